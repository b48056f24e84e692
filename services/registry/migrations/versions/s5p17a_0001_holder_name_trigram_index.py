"""holder-name search: a pg_trgm GIN index on PostgreSQL (issue 17)

Public search by holder name is ``holder_name LIKE '%term%'``; a B-tree cannot serve it, so at
millions of certificates PostgreSQL would scan the table. A trigram GIN index serves LIKE and
ILIKE with a leading wildcard (terms of three characters or more; the search API's minimum term
rules keep terms meaningful).

When the pg_trgm extension is not available (or may not be created by this role), the migration
creates nothing and logs why: search still works, by scanning. SQLite keeps the scan too (see
README, "Search by holder name").

Revision ID: s5p17a_0001
Revises: s5a10_0001
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "s5p17a_0001"
down_revision: str | None = "s5a10_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_certificate_holder_name_trgm"
log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if not _trigram_extension(bind):
        return
    op.execute(
        sa.text(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON certificate USING gin (holder_name gin_trgm_ops)"
        )
    )


def _trigram_extension(bind: sa.engine.Connection) -> bool:
    available = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).first()
    if available is None:
        log.warning("pg_trgm is not available: holder-name search scans certificates")
        return False
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:  # e.g. not allowed to create extensions
        savepoint.rollback()
        log.warning("pg_trgm could not be created (%s): holder-name search scans", exc.orig)
        return False
    savepoint.commit()
    return True


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(f"DROP INDEX IF EXISTS {INDEX}"))
