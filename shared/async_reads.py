"""Public reads on psycopg's async driver (PostgreSQL): the miss path of the hot public routes.

A verification or profile miss must cost about one database round trip. Measured on these
machines (10,000 certificates, one key): SQLAlchemy Core in the thread pool ~415 us plus the
thread-pool hop; SQLAlchemy's async engine ~790 us (its connection and greenlet machinery); a
raw psycopg async connection running a statement prepared server-side ~125 us, against ~65 us
for ``SELECT 1``. So a ``PreparedRead`` is a Core ``select`` compiled once, at import, to
psycopg's SQL: the query stays written (and tested) in SQLAlchemy, and a call only sends its
parameters. Rows come back as dicts keyed like Core's mappings, with each column type's result
processing applied (``UtcDateTime`` and the like), so the rows equal what ``conn.execute``
gives and the same view code turns them into records.

Connections: autocommit (no BEGIN/ROLLBACK round trips), prepared from their first use, from a
``psycopg_pool.AsyncConnectionPool`` opened in the serving event loop (the app's lifespan).
A connection the server dropped fails one read, which is retried once on a fresh one; with the
database down a read fails within ``acquire_timeout`` and the app answers 503
(``shared.web.outages``).
SQLite has no async driver worth the name (aiosqlite runs a thread per connection): there the
callers keep the synchronous path in the thread pool.
"""

from collections.abc import Callable, Mapping
from typing import Any, cast

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy import String, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.engine import Engine
from sqlalchemy.sql import ColumnElement, Select

from shared.db import is_sqlite

_DIALECT = PGDialect_psycopg()
DIALECTS = ("postgresql", "sqlite")

Row = dict[str, Any]


def in_list(column: ColumnElement[Any], name: str, dialect: str) -> ColumnElement[bool]:
    """``column`` among the values of the list parameter ``name``: ``= ANY(:name)`` on
    PostgreSQL (one parameter, one prepared statement for any count; half the time of an IN
    list of 1000), an expanding IN elsewhere."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(String)))
    return column.in_(bindparam(name, expanding=True))


class PreparedRead:
    """A Core select compiled once for psycopg; parameters by their ``bindparam`` names."""

    def __init__(self, statement: Select[Any]) -> None:
        compiled = statement.compile(dialect=_DIALECT)
        self.sql = str(compiled)
        # values Core bound itself (``status == "listed"``): sent with every call
        self.constants = {k: v for k, v in compiled.params.items() if v is not None}
        names = [c.key for c in statement.selected_columns]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate column names in a prepared read: {names}")
        self.processors: list[tuple[str, Callable[[Any], Any]]] = []
        for column in statement.selected_columns:
            process = column.type.dialect_impl(_DIALECT).result_processor(_DIALECT, None)
            if process is not None:
                self.processors.append((str(column.key), process))

    def parameters(self, given: Mapping[str, Any]) -> dict[str, Any]:
        return {**self.constants, **given}

    def processed(self, rows: list[Row]) -> list[Row]:
        for row in rows:
            for key, process in self.processors:
                row[key] = process(row[key])
        return rows


class AsyncReads:
    """A small pool of autocommit psycopg async connections for ``PreparedRead`` statements."""

    def __init__(self, conninfo: str, max_size: int = 10, acquire_timeout: float = 1.0) -> None:
        self._pool = AsyncConnectionPool(
            conninfo,
            min_size=1,
            max_size=max_size,
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
            # a request waits this long for a connection, then its caller falls back to the
            # synchronous engine (which connects on demand) or answers 503 (database down)
            timeout=acquire_timeout,
            # the pool's own reconnection backs off exponentially (1, 2, 4, ... s); giving up
            # early lets the next request start a fresh attempt once the database is back
            reconnect_timeout=5.0,
            open=False,
        )

    @classmethod
    def for_engine(cls, engine: Engine) -> "AsyncReads | None":
        """``None`` on SQLite (callers keep the thread pool)."""
        if is_sqlite(engine):
            return None
        url = engine.url.set(drivername="postgresql")
        return cls(url.render_as_string(hide_password=False))

    async def open(self) -> None:
        await self._pool.open(wait=True)

    async def close(self) -> None:
        await self._pool.close()

    async def rows(self, read: PreparedRead, **parameters: Any) -> list[Row]:
        """One round trip; once more on a fresh connection when the first had been dropped."""
        try:
            return await self._rows(read, parameters)
        except PoolTimeout:  # an OperationalError too: no connection to be had, do not wait twice
            raise
        except psycopg.OperationalError:
            await self._pool.check()  # drops the dead connections
        return await self._rows(read, parameters)

    async def _rows(self, read: PreparedRead, parameters: Mapping[str, Any]) -> list[Row]:
        async with self._pool.connection() as conn:
            cursor = await conn.execute(read.sql, read.parameters(parameters))
            return read.processed(cast(list[Row], await cursor.fetchall()))
