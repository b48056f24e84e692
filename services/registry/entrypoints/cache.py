"""In-process cache of verification records, kept correct by the change log.

Verification is the hot path (the public, enterprises and portals), and one database round
trip costs more than the whole web stack. Entries are evicted:
- at once, for this process's own writes (``after_commit`` in the unit of work);
- within ``refresh_seconds`` for writes made by other replicas or consumers, by polling the
  change log (ids become visible in commit order, so no change is missed).
A load that raced with an eviction is not cached (the ``epoch`` check), so a stale record can
never outlive the next poll.
"""

import asyncio
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from cachetools import LRUCache
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine

from services.registry.service_layer import views

log = logging.getLogger(__name__)
MISSING: dict[str, Any] = {}


class VerificationCache:
    def __init__(self, engine: Engine, maxsize: int) -> None:
        self.engine = engine
        self._entries: LRUCache[str, dict[str, Any]] = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()
        self.epoch = 0
        self.last_change_id = 0

    def get_many(self, numbers: Iterable[str]) -> tuple[dict[str, dict[str, Any]], list[str]]:
        hits: dict[str, dict[str, Any]] = {}
        misses: list[str] = []
        with self._lock:
            for n in numbers:
                record = self._entries.get(n)
                if record is None:
                    misses.append(n)
                elif record is not MISSING:
                    hits[n] = record
        return hits, misses

    def load(self, numbers: list[str]) -> dict[str, dict[str, Any]]:
        """Read from the database (blocking) and cache unless an eviction happened meanwhile."""
        epoch = self.epoch
        with self.engine.connect() as conn:
            records = views.load_records(conn, numbers)
        with self._lock:
            if epoch == self.epoch and self._entries.maxsize > 0:
                for n in numbers:
                    self._entries[n] = records.get(n, MISSING)
        return records

    def evict(self, numbers: Iterable[str]) -> None:
        with self._lock:
            self.epoch += 1
            for n in numbers:
                self._entries.pop(n, None)

    def clear(self) -> None:
        with self._lock:
            self.epoch += 1
            self._entries.clear()

    def prime_position(self) -> None:
        with self.engine.connect() as conn:
            self.last_change_id = views.last_change_id(conn)

    def apply_changes(self) -> int:
        """Evict what the change log says changed since the last poll (blocking)."""
        with self.engine.connect() as conn:
            rows = views.changes_since(conn, self.last_change_id)
        if not rows:
            return 0
        if any(r.entity != "certificate" for r in rows):
            self.clear()  # body or holder changes touch many certificates; they are rare
        else:
            self.evict(r.entity_key for r in rows)
        self.last_change_id = rows[-1].id
        return len(rows)


async def keep_fresh(
    cache: VerificationCache, interval: float, stopped: Callable[[], bool]
) -> None:
    await run_in_threadpool(cache.prime_position)
    while not stopped():
        await asyncio.sleep(interval)
        try:
            await run_in_threadpool(cache.apply_changes)
        except Exception:  # noqa: BLE001 - a database blip: clear to stay correct, retry
            log.warning("change-log poll failed; clearing the verification cache", exc_info=True)
            cache.clear()
