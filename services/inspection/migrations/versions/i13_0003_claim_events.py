"""claim events: withdrawals, take-overs by higher levels, claims expired at period end

Revision ID: i13_0003
Revises: i13_0002
Create Date: 2026-12-03 07:50:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared.db

revision: str = 'i13_0003'
down_revision: str | None = 'i13_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'claim_event',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('kind', S(length=40), nullable=False),
        sa.Column('task_id', S(length=36), nullable=False),
        sa.Column('plan_id', S(length=36), nullable=False),
        sa.Column('unit_id', S(length=24), nullable=False),
        sa.Column('authority_level', S(length=20), nullable=False),
        sa.Column('region_code', S(length=6), nullable=False),
        sa.Column('task_cancelled', sa.Boolean(), nullable=False),
        sa.Column('reason', S(length=500), nullable=False),
        sa.Column('by_plan_id', S(length=36), nullable=True),
        sa.Column('at', shared.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_event')),
    )
    op.create_index(op.f('ix_claim_event_task_id'), 'claim_event', ['task_id'], unique=False)
    op.create_index(op.f('ix_claim_event_plan_id'), 'claim_event', ['plan_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_claim_event_plan_id'), table_name='claim_event')
    op.drop_index(op.f('ix_claim_event_task_id'), table_name='claim_event')
    op.drop_table('claim_event')
