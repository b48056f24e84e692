"""snapshot entry ordinal: each unit's position in its snapshot's canonical order

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 02:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ALTERs, not batch mode: SQLite adds the column in place and keeps WITHOUT ROWID
    op.add_column('snapshot_entry', sa.Column('ordinal', sa.Integer(), nullable=True))
    # existing snapshots: number their units in unit id order (code-point order: the column
    # has the "C" collation on PostgreSQL, SQLite compares bytes)
    op.execute(
        "UPDATE snapshot_entry SET ordinal = numbered.n FROM ("
        " SELECT snapshot_id, unit_id,"
        " row_number() OVER (PARTITION BY snapshot_id ORDER BY unit_id) - 1 AS n"
        " FROM snapshot_entry) AS numbered"
        " WHERE snapshot_entry.snapshot_id = numbered.snapshot_id"
        " AND snapshot_entry.unit_id = numbered.unit_id"
    )
    op.create_index(
        'uq_snapshot_entry_ordinal', 'snapshot_entry', ['snapshot_id', 'ordinal'], unique=True
    )


def downgrade() -> None:
    op.drop_index('uq_snapshot_entry_ordinal', table_name='snapshot_entry')
    op.drop_column('snapshot_entry', 'ordinal')
