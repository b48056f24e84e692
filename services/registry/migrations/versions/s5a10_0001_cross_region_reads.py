"""cross-region reads of full certificate records (audit log the owning region reads)

Revision ID: s5a10_0001
Revises: i16_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "s5a10_0001"
down_revision: str | None = "i16_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cross_region_read",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("owner_region", sa.String(length=6), nullable=False),
        sa.Column("reader", sa.String(length=200), nullable=False),
        sa.Column("reader_region", sa.String(length=6), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("read_at", shared.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("certificate_number", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cross_region_read")),
    )
    with op.batch_alter_table("cross_region_read", schema=None) as batch_op:
        batch_op.create_index("ix_cross_region_read_region", ["owner_region", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cross_region_read", schema=None) as batch_op:
        batch_op.drop_index("ix_cross_region_read_region")
    op.drop_table("cross_region_read")
