"""Engines, sessions and the metadata convention shared by every service's database.

SQLite is the embedded default (``make run``); PostgreSQL is production. Both get the same
constraint names so Alembic migrations are portable.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import psycopg
from psycopg_pool import PoolTimeout as AsyncPoolTimeout
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    Table,
    TypeDecorator,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import registry
from sqlmodel import Session, SQLModel

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Write transactions on SQLite must take the write lock when they begin; a deferred transaction
# that reads first and writes later fails with "database is locked" instead of waiting.
WRITE = {"sqlite_begin": "BEGIN IMMEDIATE"}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on PostgreSQL and on SQLite (which stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utc_column(**kw: Any) -> Column[datetime]:
    """A timezone-aware UTC timestamp column (``sa_column=`` of a SQLModel field)."""
    return Column(UtcDateTime(), **kw)


def make_registry() -> registry:
    """A metadata of its own per service, so each service's Alembic sees only its tables."""
    return registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def table_of(model: type[SQLModel]) -> Table:
    """The Core ``Table`` a SQLModel table class is mapped to (``Model.__table__``, typed).

    SQLModel's type hints do not declare ``__table__``; this reads the same object through the
    class's mapper, for Core queries such as ``select(table_of(Row)).where(...)``.
    """
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def is_sqlite(engine_or_conn: Engine | Connection) -> bool:
    return engine_or_conn.dialect.name == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_read_engine(engine: Engine) -> Engine:
    """An engine for single-statement public reads: one round trip per query.

    On PostgreSQL a sibling pool in autocommit (no BEGIN, no ROLLBACK on return) without the
    pre-ping (a dropped connection fails one query: callers retry once, see ``retry_once``);
    psycopg prepares a statement server-side from its second use on a connection. On SQLite the
    same pool, without the explicit BEGIN (each statement is its own implicit transaction).
    Dispose it with the owner (``dispose_read_engine``).
    """
    if is_sqlite(engine):
        return engine.execution_options(sqlite_begin="")
    return create_engine(
        engine.url,
        isolation_level="AUTOCOMMIT",
        pool_pre_ping=False,
        pool_size=5,
        max_overflow=10,
        connect_args={"prepare_threshold": 1},
    )


def dispose_read_engine(read: Engine, owner: Engine) -> None:
    if read.pool is not owner.pool:
        read.dispose()


def retry_once(read: Callable[[], T]) -> T:
    """Run a read; once more when its pooled connection turned out dead (the pool has been
    invalidated by then, so the retry opens a fresh connection)."""
    try:
        return read()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    return read()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so BEGIN is ours (see WRITE above).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        begin = conn.get_execution_options().get("sqlite_begin", "BEGIN")
        if begin:  # "" for make_read_engine's autocommit reads
            conn.exec_driver_sql(begin)


def is_database_unavailable(exc: BaseException) -> bool:
    """The database is unreachable, restarting or busy: the request or event is not at fault,
    so callers answer 503 / retry instead of failing it."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError | AsyncPoolTimeout):
        return True  # the async public reads (shared/async_reads.py) use psycopg directly
    if isinstance(exc, OperationalError) and _is_schema_error(exc):
        return False  # SQLite reports a missing table as "operational": a bug, not an outage
    return isinstance(exc, OperationalError | InterfaceError | PoolTimeout)


def _is_schema_error(exc: OperationalError) -> bool:
    message = str(exc.orig).lower()
    return message.startswith(("no such ", "syntax error")) or "has no column" in message


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def take_append_lock(conn: Connection | Session, name: str) -> None:
    """Serialise appends to an ordered log (outbox, change feed) until this transaction ends.

    PostgreSQL hands out sequence values before commit, so without this a reader could see id 11
    committed while id 10 is still in flight, move its cursor past 10 and never see it. With the
    lock, ids become visible in order. SQLite already has a single writer.
    """
    bind = conn.get_bind() if isinstance(conn, Session) else conn
    if bind.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})
