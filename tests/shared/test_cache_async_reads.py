"""The public read paths' misses: in the event loop on psycopg's async driver (PostgreSQL), in
the thread pool on SQLite; one statement each, retried once on a dropped connection."""

import asyncio
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, String, Table, bindparam, select, text
from sqlalchemy.engine import Connection, Engine

from devtools.testing.databases import create_postgres_database, drop_database
from shared.async_reads import AsyncReads, PreparedRead
from shared.cache import ChangeLogCache
from shared.db import make_engine

KV = Table("kv", MetaData(), Column("k", String, primary_key=True), Column("v", String))
ONE = select(KV.c.k, KV.c.v).where(KV.c.k.in_(bindparam("keys", expanding=True)))
ONE_READ = PreparedRead(select(KV.c.k, KV.c.v).where(KV.c.k == bindparam("key")))


@pytest.fixture
def engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    url = (
        f"sqlite:///{tmp_path / 'c.db'}"
        if backend == "sqlite"
        else create_postgres_database("cache")
    )
    eng = make_engine(url)
    KV.create(eng)
    with eng.begin() as conn:
        conn.execute(KV.insert(), [{"k": "a", "v": "from the database"}])
    yield eng
    eng.dispose()
    if backend == "postgresql":
        drop_database(url)


Seen = list[tuple[str, int]]


def _cache(engine: Engine, seen: Seen) -> ChangeLogCache[str]:
    def load(conn: Connection, keys: list[str], _today: date) -> dict[str, str]:
        seen.append(("sync", threading.get_ident()))
        return {k: v for k, v in conn.execute(ONE, {"keys": keys})}

    async def load_async(reads: AsyncReads, keys: list[str], _today: date) -> dict[str, str]:
        seen.append(("async", threading.get_ident()))
        found = [row for key in keys for row in await reads.rows(ONE_READ, key=key)]
        return {row["k"]: row["v"] for row in found}

    return ChangeLogCache(
        engine,
        1,
        name="t_async",
        load=load,
        async_load=load_async,
        changes_since=lambda c, n: [],
        last_change_id=lambda c: 0,
    )


def test_a_miss_is_read_in_the_event_loop_on_postgresql_and_in_the_pool_on_sqlite(
    engine: Engine, backend: str
) -> None:
    seen: Seen = []
    cache = _cache(engine, seen)

    async def serve() -> tuple[int, dict[str, str], dict[str, str]]:
        await cache.start_async_reads()
        try:
            first = await cache.fetch(["a", "b"])
            again = await cache.fetch(["a", "b"])  # a hit and a known absence: not read again
            return threading.get_ident(), first, again
        finally:
            await cache.dispose_async()

    loop_thread, first, again = asyncio.run(serve())
    assert first == again == {"a": "from the database"}
    assert len(seen) == 1
    path, thread = seen[0]
    if backend == "postgresql":
        assert (path, thread) == ("async", loop_thread)
    else:
        assert path == "sync" and thread != loop_thread


def test_before_the_lifespan_starts_misses_use_the_thread_pool(engine: Engine) -> None:
    seen: Seen = []
    cache = _cache(engine, seen)

    async def serve() -> tuple[int, dict[str, str]]:
        return threading.get_ident(), await cache.fetch(["a"])

    loop_thread, found = asyncio.run(serve())
    assert found == {"a": "from the database"}
    assert seen[0][0] == "sync" and seen[0][1] != loop_thread
    cache.dispose()


def test_a_dropped_async_connection_is_retried_once(engine: Engine, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has no async reads")
    pid_read = PreparedRead(select(text("pg_backend_pid() AS pid")))
    reads = AsyncReads.for_engine(engine)
    assert reads is not None

    async def serve() -> tuple[int, int]:
        await reads.open()
        try:
            before = (await reads.rows(pid_read))[0]["pid"]
            with engine.connect() as admin:  # the server drops the pooled connection
                admin.execute(text("SELECT pg_terminate_backend(:p)"), {"p": before})
            return before, (await reads.rows(pid_read))[0]["pid"]
        finally:
            await reads.close()

    before, after = asyncio.run(serve())
    assert before != after  # answered on a fresh connection, not an error


def test_with_no_pooled_connection_to_give_a_miss_falls_back_to_the_engine(
    engine: Engine, backend: str
) -> None:
    """Right after the database comes back the async pool may still be backing off its
    reconnection: misses must not answer 503 while the engine can connect."""
    if backend != "postgresql":
        pytest.skip("SQLite has no async reads")
    seen: Seen = []
    cache = _cache(engine, seen)
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    reads = AsyncReads(url, max_size=1, acquire_timeout=0.2)

    async def serve() -> tuple[dict[str, str], list[dict[str, str]]]:
        await reads.open()
        cache.async_reads = reads
        try:
            async with reads._pool.connection():  # the only connection is taken
                found = await cache.fetch(["a"])
                feed = await cache.read_either(
                    lambda r: r.rows(ONE_READ, key="a"),
                    lambda conn: [{"k": "read by the engine"}],
                )
            return found, feed
        finally:
            await cache.dispose_async()

    found, feed = asyncio.run(serve())
    assert found == {"a": "from the database"}
    assert [path for path, _ in seen] == ["async", "sync"]  # tried the pool, then the engine
    assert feed == [{"k": "read by the engine"}]
