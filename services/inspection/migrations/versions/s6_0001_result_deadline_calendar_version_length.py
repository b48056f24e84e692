"""result deadlines: calendar_version as long as every other calendar_version column (300)

A deadline that reaches into a year with no official working-day table records a combined
version ("official:...+provisional:...:lunar-..."), longer than the 64 characters this column
had: recording a final result from early December on failed with a DataError on PostgreSQL.

Revision ID: s6_0001
Revises: s5i13a_0001
Create Date: 2026-12-04 00:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "s6_0001"
down_revision: str | None = "s5i13a_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("result_deadline") as batch:
        batch.alter_column(
            "calendar_version",
            existing_type=sa.String(length=64),
            type_=sa.String(length=300),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("result_deadline") as batch:
        batch.alter_column(
            "calendar_version",
            existing_type=sa.String(length=300),
            type_=sa.String(length=64),
            existing_nullable=False,
        )
