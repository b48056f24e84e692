"""outside checks with provenance; roster versions; joint plans (issue 13, items 4, 5, 7)

Revision ID: s5i13b_0001
Revises: i13_0004
Create Date: 2026-12-03 10:50:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared.db

revision: str = 's5i13b_0001'
down_revision: str | None = 'i13_0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'outside_check',
        sa.Column('id', S(length=36), nullable=False),
        sa.Column('check_record_id', sa.BigInteger(), nullable=False),
        sa.Column('dedupe_key', S(length=64), nullable=False),
        sa.Column('unit_id', S(length=24), nullable=False),
        sa.Column('enterprise_uscc', S(length=18), nullable=False),
        sa.Column('product_name', S(length=200), nullable=False),
        sa.Column('model', S(length=200), nullable=False),
        sa.Column('authority', S(length=200), nullable=False),
        sa.Column('authority_level', S(length=20), nullable=False),
        sa.Column('region_code', S(length=6), nullable=False),
        sa.Column('plan_reference', S(length=200), nullable=False),
        sa.Column('check_type', S(length=40), nullable=False),
        sa.Column('outcome', S(length=20), nullable=False),
        sa.Column('sampling_date', sa.Date(), nullable=False),
        sa.Column('report_number', S(length=100), nullable=False),
        sa.Column('source', S(length=10), nullable=False),
        sa.Column('imported_by', S(length=200), nullable=False),
        sa.Column('imported_at', shared.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outside_check')),
        sa.UniqueConstraint('check_record_id', name=op.f('uq_outside_check_check_record_id')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_outside_check_dedupe_key')),
    )
    with op.batch_alter_table('outside_check', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_outside_check_enterprise_uscc'), ['enterprise_uscc'], unique=False
        )
        batch_op.create_index(
            'ix_outside_check_unit_date', ['unit_id', 'sampling_date'], unique=False
        )
    op.create_table(
        'roster_version',
        sa.Column('version', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('kind', S(length=20), nullable=False),
        sa.Column('changed_rows', sa.Integer(), nullable=False),
        sa.Column('actor', S(length=200), nullable=False),
        sa.Column('occurred_at', shared.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('version', name=op.f('pk_roster_version')),
    )
    with op.batch_alter_table('roster_history', schema=None) as batch_op:
        batch_op.add_column(sa.Column('roster_version', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('joint_departments', sa.JSON(), nullable=True))
    _backfill_versions()


def _backfill_versions() -> None:
    """Each earlier import (its history rows share kind, actor and time) becomes a version."""
    conn = op.get_bind()
    groups = conn.execute(
        sa.text(
            "SELECT kind, actor, occurred_at, MIN(id) AS first, COUNT(*) AS n "
            "FROM roster_history GROUP BY kind, actor, occurred_at ORDER BY MIN(id)"
        )
    ).all()
    for version, (kind, actor, occurred_at, _, count) in enumerate(groups, start=1):
        conn.execute(
            sa.text(
                "INSERT INTO roster_version (version, kind, changed_rows, actor, occurred_at) "
                "VALUES (:v, :kind, :n, :actor, :at)"
            ),
            {"v": version, "kind": kind, "n": count, "actor": actor, "at": occurred_at},
        )
        conn.execute(
            sa.text(
                "UPDATE roster_history SET roster_version = :v "
                "WHERE kind = :kind AND actor = :actor AND occurred_at = :at"
            ),
            {"v": version, "kind": kind, "actor": actor, "at": occurred_at},
        )


def downgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('joint_departments')
    with op.batch_alter_table('roster_history', schema=None) as batch_op:
        batch_op.drop_column('roster_version')
    op.drop_table('roster_version')
    with op.batch_alter_table('outside_check', schema=None) as batch_op:
        batch_op.drop_index('ix_outside_check_unit_date')
        batch_op.drop_index(batch_op.f('ix_outside_check_enterprise_uscc'))
    op.drop_table('outside_check')
