"""objection deadline provenance and its changes (issue 9)

Revision ID: i9_0001
Revises: 0001
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = 'i9_0001'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('objection_deadline_provenance', sa.String(length=20), nullable=True)
        )
        batch_op.add_column(
            sa.Column('objection_calendar_version', sa.String(length=300), nullable=True)
        )
        batch_op.create_index(
            batch_op.f('ix_listing_objection_deadline_provenance'),
            ['objection_deadline_provenance'],
            unique=False,
        )
    op.create_table(
        'listing_deadline_change',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('listing_id', sa.String(length=24), nullable=False),
        sa.Column('uscc', sa.String(length=18), nullable=False),
        sa.Column('previous_deadline', sa.Date(), nullable=False),
        sa.Column('new_deadline', sa.Date(), nullable=False),
        sa.Column('previous_provenance', sa.String(length=20), nullable=True),
        sa.Column('new_provenance', sa.String(length=20), nullable=False),
        sa.Column('calendar_version', sa.String(length=300), nullable=False),
        sa.Column('changed_at', shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_deadline_change')),
    )
    with op.batch_alter_table('listing_deadline_change', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_listing_deadline_change_listing_id'), ['listing_id'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('listing_deadline_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_deadline_change_listing_id'))
    op.drop_table('listing_deadline_change')
    with op.batch_alter_table('listing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_objection_deadline_provenance'))
        batch_op.drop_column('objection_calendar_version')
        batch_op.drop_column('objection_deadline_provenance')
