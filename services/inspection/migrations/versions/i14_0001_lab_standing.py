"""lab standing mirrored from the registry (issue 14)

Revision ID: i14_0001
Revises: i10_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "i14_0001"
down_revision: str | None = 'i10_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lab_standing",
        sa.Column("lab_id", sa.String(length=64), nullable=False),
        sa.Column("lab_uscc", sa.String(length=18), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason_code", sa.String(length=64), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("source_event_id", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("lab_id", name=op.f("pk_lab_standing")),
    )


def downgrade() -> None:
    op.drop_table("lab_standing")
