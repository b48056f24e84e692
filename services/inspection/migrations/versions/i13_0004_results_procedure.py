"""results procedure: receipt of results, re-test labs, per-result publication deadlines

Revision ID: i13_0004
Revises: i13_0003
Create Date: 2026-12-03 08:05:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared.db

revision: str = 'i13_0004'
down_revision: str | None = 'i13_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'result_receipt',
        sa.Column('task_id', S(length=36), nullable=False),
        sa.Column('received_on', sa.Date(), nullable=False),
        sa.Column('retest_deadline', sa.Date(), nullable=False),
        sa.Column('deadline_provenance', S(length=20), nullable=False),
        sa.Column('recorded_by', S(length=200), nullable=False),
        sa.Column('recorded_at', shared.db.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_result_receipt_task_id_task')),
        sa.PrimaryKeyConstraint('task_id', name=op.f('pk_result_receipt')),
    )
    op.create_table(
        'retest_lab',
        sa.Column('task_id', S(length=36), nullable=False),
        sa.Column('lab_id', S(length=64), nullable=False),
        sa.Column('first_lab_id', S(length=64), nullable=False),
        sa.Column('candidates', sa.JSON(), nullable=False),
        sa.Column('algorithm', S(length=40), nullable=False),
        sa.Column('draw_id', S(length=36), nullable=False),
        sa.Column('drawn_by', S(length=200), nullable=False),
        sa.Column('drawn_at', shared.db.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_retest_lab_task_id_task')),
        sa.PrimaryKeyConstraint('task_id', name=op.f('pk_retest_lab')),
    )
    op.create_table(
        'result_deadline',
        sa.Column('task_id', S(length=36), nullable=False),
        sa.Column('final_on', sa.Date(), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=False),
        sa.Column('provenance', S(length=20), nullable=False),
        sa.Column('calendar_version', S(length=64), nullable=False),
        sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_result_deadline_task_id_task')),
        sa.PrimaryKeyConstraint('task_id', name=op.f('pk_result_deadline')),
    )
    op.create_index(op.f('ix_result_deadline_deadline'), 'result_deadline', ['deadline'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_result_deadline_deadline'), table_name='result_deadline')
    op.drop_table('result_deadline')
    op.drop_table('retest_lab')
    op.drop_table('result_receipt')
