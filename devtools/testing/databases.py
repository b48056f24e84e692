"""Throwaway databases for tests and benchmarks: SQLite files or PostgreSQL databases."""

import os
import uuid
from pathlib import Path

from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import Engine

from shared.db import normalise_url
from shared.migrations import upgrade

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def postgres_admin() -> Engine:
    return create_engine(normalise_url(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT")


def create_postgres_database(prefix: str) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = postgres_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    base = normalise_url(POSTGRES_ADMIN_URL).rsplit("/", 1)[0]
    return f"{base}/{name}"


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = postgres_admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def new_database(backend: str, service_dir: Path, tmp_dir: Path, prefix: str) -> str:
    """Create an empty database on ``backend`` and migrate it with the service's Alembic."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_dir / f'{prefix}-{uuid.uuid4().hex[:8]}.db'}"
    elif backend == "postgresql":
        url = create_postgres_database(prefix)
    else:
        raise ValueError(backend)
    upgrade(service_dir, url)
    return url


def drop_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        drop_postgres_database(url)


def empty_tables(engine: Engine, metadata: MetaData) -> None:
    """Delete every row (keeps the migrated schema); faster than a fresh database per test.

    Only the tables that hold rows are emptied: a test touches a handful of tables, and on
    PostgreSQL a TRUNCATE costs per table named (new files, catalogue updates) whether or not
    the table had rows. Sequences all restart, as they would after TRUNCATE ... RESTART IDENTITY.
    """
    names = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        probe = " UNION ALL ".join(
            f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in names
        )
        filled = {row[0] for row in conn.execute(text(probe))} if names else set()
        tables = [name for name in names if name in filled]
        if engine.dialect.name == "postgresql":
            if tables:
                quoted = ", ".join(f'"{t}"' for t in tables)
                conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
            conn.execute(
                text(
                    "SELECT setval(c.oid, 1, false) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relkind = 'S' AND n.nspname = current_schema()"
                )
            )
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
