"""suspicious certificate reports (issue 14)

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
        "suspicious_report",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("number_as_given", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=200), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("body_id", sa.String(length=64), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("where_seen", sa.String(length=500), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("reporter_contact", sa.String(length=200), nullable=True),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=64), nullable=True),
        sa.Column("outcome_note", sa.String(), nullable=False),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.Column("closed_at", shared.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspicious_report")),
    )
    op.create_index(
        "ix_suspicious_report_region_status", "suspicious_report", ["region_code", "status"]
    )
    op.create_index(op.f("ix_suspicious_report_number"), "suspicious_report", ["number"])


def downgrade() -> None:
    op.drop_table("suspicious_report")
