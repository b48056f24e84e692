"""signed webhooks: subscriptions, deliveries, attempts, fan-out cursor

Revision ID: i16_0001
Revises: i10_0001
"""
from collections.abc import Sequence

from alembic import op

from shared.webhooks.schema import create_tables, drop_tables

revision: str = "i16_0001"
down_revision: str | None = 'i10_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_tables(op)


def downgrade() -> None:
    drop_tables(op)
