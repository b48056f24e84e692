"""one unit, one key: normalised unit keys, alias table, merge of units with the same key

Existing units keep their ids; each gets its normalised key (unit-key-v1). Units whose keys
coincide ("M-24" and "m-24" of one enterprise) are merged into one survivor (the one whose
id the key itself gives, else the smallest id): their check history and running claims move
to it and the merge is recorded in unit_merge. Snapshots, tasks and draws keep the ids they
were made with, so earlier draws still verify.

Revision ID: i13_0002
Revises: i13_0001
Create Date: 2026-12-03 07:40:00.000000
"""
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared.db
from services.inspection.domain import unit_key as uk

revision: str = 'i13_0002'
down_revision: str | None = 'i13_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    key_table = op.create_table(
        'unit_key',
        sa.Column('key', S(length=64), nullable=False),
        sa.Column('unit_id', S(length=24), nullable=False),
        sa.Column('version', S(length=20), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_unit_key')),
        sa.UniqueConstraint('unit_id', name=op.f('uq_unit_key_unit_id')),
    )
    op.create_table(
        'unit_alias',
        sa.Column('field', S(length=20), nullable=False),
        sa.Column('enterprise_uscc', S(length=18), nullable=False),
        sa.Column('alias', S(length=200), nullable=False),
        sa.Column('canonical', S(length=200), nullable=False),
        sa.Column('reason', S(length=500), nullable=False),
        sa.Column('created_by', S(length=200), nullable=False),
        sa.Column('created_at', shared.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('field', 'enterprise_uscc', 'alias', name=op.f('pk_unit_alias')),
    )
    merge_table = op.create_table(
        'unit_merge',
        sa.Column('merged_id', S(length=24), nullable=False),
        sa.Column('unit_id', S(length=24), nullable=False),
        sa.Column('reason', S(length=200), nullable=False),
        sa.Column('merged_at', shared.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('merged_id', name=op.f('pk_unit_merge')),
    )
    op.create_index(op.f('ix_unit_merge_unit_id'), 'unit_merge', ['unit_id'], unique=False)
    _key_existing_units(key_table, merge_table)


def _key_existing_units(key_table: sa.Table, merge_table: sa.Table) -> None:
    conn = op.get_bind()
    groups: dict[str, list[str]] = defaultdict(list)
    for row in conn.execute(sa.text("SELECT id, enterprise_uscc, product_name, model FROM unit")):
        groups[uk.unit_key(row.enterprise_uscc, row.product_name, row.model)].append(row.id)
    keys, merges = [], []
    for key, ids in groups.items():
        survivor = uk.new_unit_id(key) if uk.new_unit_id(key) in ids else min(ids)
        keys.append({"key": key, "unit_id": survivor, "version": uk.VERSION})
        merges += [(other, survivor) for other in ids if other != survivor]
    if keys:
        conn.execute(key_table.insert(), keys)
    now = datetime.now(UTC)
    for merged, survivor in merges:
        params = {"merged": merged, "survivor": survivor}
        conn.execute(
            sa.text("UPDATE check_record SET unit_id = :survivor WHERE unit_id = :merged"), params
        )
        conn.execute(
            sa.text(
                "UPDATE unit_claim SET unit_id = :survivor WHERE unit_id = :merged AND NOT EXISTS"
                " (SELECT 1 FROM unit_claim c WHERE c.unit_id = :survivor)"
            ),
            params,
        )
        conn.execute(sa.text("DELETE FROM unit WHERE id = :merged"), params)
        conn.execute(
            merge_table.insert(),
            [{"merged_id": merged, "unit_id": survivor, "reason": uk.VERSION, "merged_at": now}],
        )


def downgrade() -> None:
    op.drop_index(op.f('ix_unit_merge_unit_id'), table_name='unit_merge')
    op.drop_table('unit_merge')
    op.drop_table('unit_alias')
    op.drop_table('unit_key')
