"""deadline provenance and deadline changes (issue 9)

Revision ID: i9_0001
Revises: 0003
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = 'i9_0001'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deadline_provenance', sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column('deadline_calendar_version', sa.String(length=300), nullable=True)
        )
        batch_op.create_index(
            batch_op.f('ix_plan_deadline_provenance'), ['deadline_provenance'], unique=False
        )
    op.create_table(
        'deadline_change',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('plan_id', sa.String(length=36), nullable=False),
        sa.Column('deadline_kind', sa.String(length=40), nullable=False),
        sa.Column('previous_deadline', sa.Date(), nullable=True),
        sa.Column('new_deadline', sa.Date(), nullable=False),
        sa.Column('previous_provenance', sa.String(length=20), nullable=True),
        sa.Column('new_provenance', sa.String(length=20), nullable=False),
        sa.Column('calendar_version', sa.String(length=300), nullable=False),
        sa.Column('changed_at', shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_change')),
    )
    with op.batch_alter_table('deadline_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_change_plan_id'), ['plan_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deadline_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadline_change_plan_id'))
    op.drop_table('deadline_change')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_deadline_provenance'))
        batch_op.drop_column('deadline_calendar_version')
        batch_op.drop_column('deadline_provenance')
