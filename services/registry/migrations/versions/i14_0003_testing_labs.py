"""testing labs as accountable subjects (issue 14)

Revision ID: i14_0003
Revises: i14_0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "i14_0003"
down_revision: str | None = "i14_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "testing_lab",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("accredited_categories", sa.JSON(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_reason_code", sa.String(length=64), nullable=False),
        sa.Column("status_changed_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_testing_lab")),
        sa.UniqueConstraint("uscc", name=op.f("uq_testing_lab_uscc")),
    )
    op.create_index(op.f("ix_testing_lab_status"), "testing_lab", ["status"])


def downgrade() -> None:
    op.drop_table("testing_lab")
