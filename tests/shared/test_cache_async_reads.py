"""The public read paths' misses: in the event loop on psycopg's async driver (PostgreSQL), in
the thread pool on SQLite; one statement each, retried once on a dropped connection."""

import asyncio
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from devtools.testing.databases import create_postgres_database, drop_database
from shared.cache import ChangeLogCache
from shared.db import make_engine


@pytest.fixture
def engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    url = (
        f"sqlite:///{tmp_path / 'c.db'}"
        if backend == "sqlite"
        else create_postgres_database("cache")
    )
    eng = make_engine(url)
    yield eng
    eng.dispose()
    if backend == "postgresql":
        drop_database(url)


def _cache(engine: Engine, seen: list[tuple[int, bool]]) -> ChangeLogCache[str]:
    def load(conn: Connection, keys: list[str], _today: date) -> dict[str, str]:
        # the value comes from the database, so a wrong connection cannot fake it
        value = conn.execute(text("SELECT 'v:' || :k"), {"k": ",".join(keys)}).scalar_one()
        seen.append((threading.get_ident(), conn.dialect.is_async))
        return dict.fromkeys(keys, value)

    return ChangeLogCache(
        engine,
        1,
        name="t_async",
        load=load,
        changes_since=lambda c, n: [],
        last_change_id=lambda c: 0,
    )


def test_a_miss_is_read_in_the_event_loop_on_postgresql_and_in_the_pool_on_sqlite(
    engine: Engine, backend: str
) -> None:
    seen: list[tuple[int, bool]] = []
    cache = _cache(engine, seen)

    async def serve() -> tuple[int, dict[str, str], dict[str, str]]:
        cache.start_async_reads()
        try:
            first = await cache.fetch(["a", "b"])
            again = await cache.fetch(["a", "b"])  # hits: not read again
            return threading.get_ident(), first, again
        finally:
            await cache.dispose_async()

    loop_thread, first, again = asyncio.run(serve())
    assert first == again == {"a": "v:a,b", "b": "v:a,b"}
    assert len(seen) == 1
    thread, on_async_driver = seen[0]
    if backend == "postgresql":
        assert (thread, on_async_driver) == (loop_thread, True)
    else:
        assert (thread == loop_thread, on_async_driver) == (False, False)


def test_a_read_outside_a_started_lifespan_uses_the_thread_pool(engine: Engine) -> None:
    cache = _cache(engine, [])

    def query(conn: Connection) -> tuple[int, int]:
        return threading.get_ident(), conn.execute(text("SELECT 41 + 1")).scalar_one()

    async def serve() -> tuple[int, tuple[int, int]]:
        return threading.get_ident(), await cache.read(query)

    loop_thread, (thread, answer) = asyncio.run(serve())
    assert answer == 42 and thread != loop_thread
    cache.dispose()


def test_a_dropped_async_connection_is_retried_once(engine: Engine, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has no async engine")
    cache = _cache(engine, [])

    async def serve() -> list[int]:
        cache.start_async_reads()
        try:
            pid = await cache.read(
                lambda c: c.execute(text("SELECT pg_backend_pid()")).scalar_one()
            )
            with engine.connect() as admin:  # the server drops the pooled connection
                admin.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            again = await cache.read(
                lambda c: c.execute(text("SELECT pg_backend_pid()")).scalar_one()
            )
            return [pid, again]
        finally:
            await cache.dispose_async()

    before, after = asyncio.run(serve())
    assert before != after  # answered on a fresh connection, not an error
