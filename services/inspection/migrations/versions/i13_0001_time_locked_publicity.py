"""time-locked publicity: selection commitments of draws, recorded sampling of tasks

Revision ID: i13_0001
Revises: i14_0001
Create Date: 2026-12-03 07:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared.db

revision: str = 'i13_0001'
down_revision: str | None = 'i14_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'draw_commitment',
        sa.Column('draw_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('scheme', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('selection_commitment', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('key_hex', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(['draw_id'], ['draw.id'], name=op.f('fk_draw_commitment_draw_id_draw')),
        sa.PrimaryKeyConstraint('draw_id', name=op.f('pk_draw_commitment')),
    )
    op.create_table(
        'task_sampling',
        sa.Column('task_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('sampled_on', sa.Date(), nullable=False),
        sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('recorded_at', shared.db.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_sampling_task_id_task')),
        sa.PrimaryKeyConstraint('task_id', name=op.f('pk_task_sampling')),
    )
    # tasks that already have a result were sampled on the result's sampling date
    op.execute(
        "INSERT INTO task_sampling (task_id, sampled_on, recorded_by, recorded_at)"
        " SELECT task_id, sampling_date, recorded_by, recorded_at FROM result"
    )


def downgrade() -> None:
    op.drop_table('task_sampling')
    op.drop_table('draw_commitment')
