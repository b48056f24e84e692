"""An in-process read cache kept correct by a service's ordered change log.

Hot public reads (certificate verification, credit profiles) cannot afford a database round
trip each. Entries are evicted:
- at once for this process's own writes (the caller evicts after its commit);
- within ``refresh_seconds`` for writes by other replicas, schedulers or consumers, by polling
  the service's change log, whose ids become visible in commit order (the append lock), so no
  change is missed;
- all at once when the day changes, because what is public depends on the date.
A load that raced with an eviction is not cached (the ``epoch`` check), so a stale entry can
never outlive the next poll.

Entries are bounded by memory (``max_mb``, an estimate of each entry's size, see ``sizeof``), not
by count: long-tail traffic over millions of keys must not grow the process without bound.
Lookups are counted (``cache_lookups_total{cache, result}`` on /metrics) so that a benchmark can
print the hit ratio beside each figure. Misses are read through ``make_read_engine``: one round
trip per query, no transaction around it; on PostgreSQL, once the app's lifespan has opened
them (``start_async_reads``), a cache given an ``async_load`` reads its misses through
``shared.async_reads`` in the event loop itself: no thread-pool hop on the public read paths.

When the change log cannot be polled (the database is down or unreachable), entries keep being
served (stale-while-error) for at most ``stale_limit`` seconds since the last good poll, each
such response carrying an ``Age`` header; the next good poll resumes from the last change id
seen, so every change made meanwhile is evicted. Misses still need the database (503).
"""

import asyncio
import logging
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any, Generic, TypeVar

from cachetools import LRUCache
from fastapi.concurrency import run_in_threadpool
from prometheus_client import Counter, Gauge
from psycopg_pool import PoolTimeout
from sqlalchemy.engine import Connection, Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.async_reads import AsyncReads
from shared.clock import today_in_china
from shared.db import dispose_read_engine, make_read_engine, retry_once

log = logging.getLogger(__name__)
V = TypeVar("V")
T = TypeVar("T")

# (change id, key that changed, or None when the change may touch any entry)
Change = tuple[int, str | None]
Loader = Callable[[Connection, list[str], date], dict[str, V]]
AsyncLoader = Callable[[AsyncReads, list[str], date], Awaitable[dict[str, V]]]
ChangesSince = Callable[[Connection, int], list[Change]]
LastChange = Callable[[Connection], int]

LOOKUPS = Counter("cache_lookups", "Cache lookups by result (hit or miss)", ["cache", "result"])
CACHE_BYTES = Gauge("cache_bytes", "Estimated bytes held by the cache", ["cache"])
CACHE_ENTRIES = Gauge("cache_entries", "Entries held by the cache", ["cache"])
# Per entry beyond its value: a short key and the LRU's dictionary slots, link and size record
# (about what tracemalloc shows on CPython 3.11 per added entry, rounded up).
ENTRY_OVERHEAD = 240
STALE_SECONDS = Gauge(
    "cache_stale_seconds", "Seconds since the cache last polled its change log successfully"
)
# Ages of stale entries served for the current request (a list the middleware owns, so the
# route's appends survive the task boundaries of other middleware).
_served_stale: ContextVar[list[float] | None] = ContextVar("served_stale", default=None)


class _Missing:
    """A known absence is cached too: probing unknown keys must not hit the database."""


MISSING = _Missing()


def deep_sizeof(value: object) -> int:
    """Estimated bytes of a cached value: bytes/str, and dicts and lists of them (recursively).
    Dictionary keys are not counted: they are column names, one object shared by every entry.
    Runs on every miss, so the flat level is summed by ``map`` (C speed): a 25-field record
    costs a few microseconds, not a Python call per field."""
    if isinstance(value, dict):
        children: Iterable[object] = value.values()
    elif isinstance(value, list | tuple):
        children = value
    else:
        return sys.getsizeof(value)
    nested = [c for c in children if isinstance(c, dict | list | tuple)]
    flat = sum(map(sys.getsizeof, children))
    return sys.getsizeof(value) + flat + sum(deep_sizeof(c) - sys.getsizeof(c) for c in nested)


class ChangeLogCache(Generic[V]):
    def __init__(
        self,
        engine: Engine,
        max_mb: float,
        *,
        name: str,
        load: Loader[V],
        changes_since: ChangesSince,
        last_change_id: LastChange,
        today: Callable[[], date] = today_in_china,
        stale_limit: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        sizeof: Callable[[V], int] = deep_sizeof,
        async_load: AsyncLoader[V] | None = None,
    ) -> None:
        self.engine = engine
        self._read_engine: Engine | None = None  # made on the first miss
        self._async_load = async_load
        self.async_reads: AsyncReads | None = None  # opened by start_async_reads
        self._load = load
        self._changes_since = changes_since
        self._last_change_id = last_change_id
        self.today = today
        max_bytes = int(max_mb * 1024 * 1024)
        self._entries: LRUCache[str, V | _Missing] = LRUCache(
            maxsize=max(max_bytes, 1), getsizeof=self._entry_size
        )
        self._sizeof = sizeof
        self._enabled = max_bytes > 0
        self._hits = LOOKUPS.labels(name, "hit")
        self._misses = LOOKUPS.labels(name, "miss")
        self._bytes = CACHE_BYTES.labels(name)
        self._count = CACHE_ENTRIES.labels(name)
        self._lock = threading.Lock()  # an LRU lookup reorders entries
        self._day = today()
        self.epoch = 0
        self.last_change_id = 0
        self.stale_limit = stale_limit
        self._clock = clock
        self._last_good_poll = clock()
        self._unreachable = False

    def _entry_size(self, value: "V | _Missing") -> int:
        value_size = 0 if isinstance(value, _Missing) else self._sizeof(value)
        return ENTRY_OVERHEAD + value_size

    def stale_age(self) -> float | None:
        """Seconds since the last good poll while polls are failing; None when healthy."""
        return self._clock() - self._last_good_poll if self._unreachable else None

    def poll_failed(self, exc: BaseException) -> None:
        """Keep serving what we have, within the bound; past it, serve nothing stale."""
        if not self._unreachable:
            log.warning("change-log poll failed, serving cached entries: %s", exc)
            self._unreachable = True
        age = self._clock() - self._last_good_poll
        STALE_SECONDS.set(age)
        if age > self.stale_limit and len(self._entries):
            log.warning("cache older than %.0f s with the change log unreachable: cleared", age)
            self.clear()

    def _poll_succeeded(self) -> None:
        if self._unreachable:
            log.warning("change-log poll works again after %.1f s", self.stale_age() or 0.0)
            self._unreachable = False
        self._last_good_poll = self._clock()
        STALE_SECONDS.set(0)

    def get_many(self, keys: Iterable[str]) -> tuple[dict[str, V], list[str]]:
        """Cached values (known absences omitted) and the keys that must be loaded."""
        hits: dict[str, V] = {}
        misses: list[str] = []
        looked_up = 0
        with self._lock:
            for key in keys:
                looked_up += 1
                value = self._entries.get(key)
                if value is None:
                    misses.append(key)
                elif not isinstance(value, _Missing):
                    hits[key] = value
        if misses:
            self._misses.inc(len(misses))
        if looked_up > len(misses):
            self._hits.inc(looked_up - len(misses))
        age = self.stale_age()
        served = _served_stale.get()
        if age is not None and served is not None:
            served.append(age)
        return hits, misses

    def load(self, keys: list[str]) -> dict[str, V]:
        """Read from the database (blocking); cache unless an eviction happened meanwhile."""
        epoch, today = self.epoch, self.today()
        values = retry_once(lambda: self._run(lambda conn: self._load(conn, keys, today)))
        self._keep(keys, values, epoch, today)
        return values

    async def load_async(self, keys: list[str]) -> dict[str, V]:
        """``load`` for async routes: in the event loop on the async driver where there is one
        (PostgreSQL, the lifespan started, an ``async_load`` given), else in the thread pool."""
        load = self._async_load
        if load is None:
            return await run_in_threadpool(self.load, keys)
        epoch, today = self.epoch, self.today()
        values = await self.read_either(
            lambda reads: load(reads, keys, today), lambda conn: self._load(conn, keys, today)
        )
        self._keep(keys, values, epoch, today)
        return values

    def _keep(self, keys: list[str], values: dict[str, V], epoch: int, today: date) -> None:
        with self._lock:
            if self._enabled and epoch == self.epoch and today == self._day:
                for key in keys:
                    self._store(key, values.get(key, MISSING))
            self._bytes.set(self._entries.currsize)
            self._count.set(len(self._entries))

    @property
    def read_engine(self) -> Engine:
        with self._lock:
            if self._read_engine is None:
                self._read_engine = make_read_engine(self.engine)
            return self._read_engine

    def _store(self, key: str, value: "V | _Missing") -> None:
        try:
            self._entries[key] = value
        except ValueError:  # larger than the whole bound: serve it, do not keep it
            self._entries.pop(key, None)

    async def read(self, query: Callable[[Connection], T]) -> T:
        """A synchronous public read (one round trip, no transaction around it) for an async
        route, in the thread pool."""
        return await run_in_threadpool(retry_once, lambda: self._run(query))

    async def read_either(
        self, read_async: Callable[[AsyncReads], Awaitable[T]], query: Callable[[Connection], T]
    ) -> T:
        """``read_async`` in the event loop where the async driver is open, else ``query`` in
        the thread pool; that too when the async pool has no connection to give (the database
        has just come back and the pool is still waiting to reconnect)."""
        reads = self.async_reads
        if reads is not None:
            try:
                return await read_async(reads)
            except PoolTimeout:
                pass
        return await self.read(query)

    def _run(self, query: Callable[[Connection], T]) -> T:
        with self.read_engine.connect() as conn:
            return query(conn)

    async def start_async_reads(self) -> None:
        """Open the async connections in the serving event loop (they belong to it)."""
        reads = AsyncReads.for_engine(self.engine) if self._async_load else None
        if reads is not None:
            await reads.open()
        self.async_reads = reads

    def dispose(self) -> None:
        if self._read_engine is not None:
            dispose_read_engine(self._read_engine, self.engine)
            self._read_engine = None

    async def dispose_async(self) -> None:
        reads, self.async_reads = self.async_reads, None
        if reads is not None:
            await reads.close()
        self.dispose()

    async def fetch(self, keys: list[str]) -> dict[str, V]:
        """For async routes: hits at once, misses loaded by ``load_async``."""
        hits, misses = self.get_many(keys)
        if misses:
            hits.update(await self.load_async(misses))
        return hits

    def evict(self, keys: Iterable[str]) -> None:
        with self._lock:
            self.epoch += 1
            for key in keys:
                self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self.epoch += 1
            self._entries.clear()

    def prime_position(self) -> None:
        with self.engine.connect() as conn:
            self.last_change_id = self._last_change_id(conn)

    def refresh(self) -> int:
        """Evict what changed since the last poll, and everything on a new day (blocking)."""
        today = self.today()
        if today != self._day:
            with self._lock:
                self._day = today
            self.clear()
        with self.engine.connect() as conn:
            changes = self._changes_since(conn, self.last_change_id)
        self._poll_succeeded()
        if not changes:
            return 0
        if any(key is None for _, key in changes):
            self.clear()
        else:
            self.evict(key for _, key in changes if key is not None)
        self.last_change_id = changes[-1][0]
        return len(changes)


async def keep_fresh(
    cache: ChangeLogCache[Any], interval: float, stopped: Callable[[], bool]
) -> None:
    """Poll the change log until ``stopped``; call ``prime_position`` before serving."""
    while not stopped():
        await asyncio.sleep(interval)
        try:
            await run_in_threadpool(cache.refresh)
        except Exception as exc:  # noqa: BLE001 - database unreachable: serve stale, bounded
            cache.poll_failed(exc)


class StaleAgeHeader:
    """ASGI middleware: a response built from entries the cache served while its change log
    was unreachable carries ``Age`` (seconds since the last good poll)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        served: list[float] = []
        token = _served_stale.set(served)

        async def send_with_age(message: Message) -> None:
            if message["type"] == "http.response.start" and served:
                headers = list(message.get("headers", []))
                headers.append((b"age", str(int(max(served))).encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_age)
        finally:
            _served_stale.reset(token)


def cache_lifespan(
    cache: ChangeLogCache,
    interval: float,
) -> Callable[[object], AbstractAsyncContextManager[None]]:
    """An app lifespan that primes the cache's change-log position before the first request
    and keeps the cache fresh until shutdown."""

    @asynccontextmanager
    async def lifespan(_app: object) -> AsyncIterator[None]:
        stopping = False
        await run_in_threadpool(cache.prime_position)
        await cache.start_async_reads()
        task = asyncio.create_task(keep_fresh(cache, interval, lambda: stopping))
        try:
            yield
        finally:
            stopping = True
            task.cancel()
            await cache.dispose_async()

    return lifespan
