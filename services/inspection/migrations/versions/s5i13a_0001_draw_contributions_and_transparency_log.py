"""draw contributions and the transparency log (issue 13, item 2)

Revision ID: s5i13a_0001
Revises: i13_0004
Create Date: 2026-12-03 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared.db

revision: str = "s5i13a_0001"
down_revision: str | None = "s5i13b_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "draw_contribution",
        sa.Column("id", S(length=36), nullable=False),
        sa.Column("plan_id", S(length=36), nullable=False),
        sa.Column("snapshot_id", S(length=36), nullable=True),
        sa.Column("status", S(length=20), nullable=False),
        sa.Column("role", S(length=40), nullable=False),
        sa.Column("contributor", S(length=200), nullable=False),
        sa.Column("commitment", S(length=64), nullable=False),
        sa.Column("value_hex", S(length=64), nullable=True),
        sa.Column("committed_at", shared.db.UtcDateTime(), nullable=False),
        sa.Column("revealed_at", shared.db.UtcDateTime(), nullable=True),
        sa.Column("sealed_late_exclusions", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_draw_contribution_plan_id_plan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draw_contribution")),
    )
    op.create_index("ix_draw_contribution_plan_status", "draw_contribution", ["plan_id", "status"])
    op.create_index(op.f("ix_draw_contribution_snapshot_id"), "draw_contribution", ["snapshot_id"])
    op.create_table(
        "transparency_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", S(length=32), nullable=False),
        sa.Column("kind", S(length=40), nullable=False),
        sa.Column("subject", S(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("payload_hash", S(length=64), nullable=False),
        sa.Column("prev_hash", S(length=64), nullable=False),
        sa.Column("entry_hash", S(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_transparency_log")),
    )


def downgrade() -> None:
    op.drop_table("transparency_log")
    op.drop_index(op.f("ix_draw_contribution_snapshot_id"), table_name="draw_contribution")
    op.drop_index("ix_draw_contribution_plan_status", table_name="draw_contribution")
    op.drop_table("draw_contribution")
