"""In-process cache of rendered public profiles, kept correct by the profile change log.

The same mechanism as the registry's verification cache (services/registry/entrypoints/cache.py):
entries are evicted
- at once for this process's own writes (the unit of work calls ``evict`` after commit);
- within ``refresh_seconds`` for writes by other replicas, the scheduler or consumers, by
  polling ``profile_change`` (ids become visible in commit order, so none is missed);
- when the day changes, because what is public depends on the date (periods and terms end).
A load that raced with an eviction is not cached (the ``epoch`` check).

Entries are the finished JSON bytes: a hit costs a dictionary lookup and no serialisation.
"""

import asyncio
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import date

from cachetools import LRUCache
from fastapi.concurrency import run_in_threadpool
from pydantic_core import to_json
from sqlalchemy.engine import Engine

from services.credit.service_layer import views

log = logging.getLogger(__name__)
MISSING = b""


class ProfileCache:
    def __init__(self, engine: Engine, maxsize: int, today: Callable[[], date]) -> None:
        self.engine = engine
        self.today = today
        self._entries: LRUCache[str, bytes] = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()
        self._day = today()
        self.epoch = 0
        self.last_change_id = 0

    def get(self, uscc: str) -> bytes | None:
        """The rendered profile, ``MISSING`` for a known absence, None if not cached."""
        with self._lock:  # an LRU lookup reorders entries: not safe beside a loading thread
            return self._entries.get(uscc)

    def load(self, uscc: str) -> bytes:
        """Read and render (blocking); cache unless an eviction happened meanwhile."""
        epoch, today = self.epoch, self.today()
        with self.engine.connect() as conn:
            profile = views.load_profiles(conn, [uscc], today).get(uscc)
        body = MISSING if profile is None else to_json(profile)
        with self._lock:
            if epoch == self.epoch and today == self._day and self._entries.maxsize:
                self._entries[uscc] = body
        return body

    def evict(self, usccs: Iterable[str]) -> None:
        with self._lock:
            self.epoch += 1
            for uscc in usccs:
                self._entries.pop(uscc, None)

    def clear(self) -> None:
        with self._lock:
            self.epoch += 1
            self._entries.clear()

    def prime_position(self) -> None:
        with self.engine.connect() as conn:
            self.last_change_id = views.last_profile_change(conn)

    def refresh(self) -> int:
        """Evict what changed since the last poll, and everything on a new day (blocking)."""
        today = self.today()
        if today != self._day:
            with self._lock:
                self._day = today
            self.clear()
        with self.engine.connect() as conn:
            rows = views.profile_changes_since(conn, self.last_change_id)
        if not rows:
            return 0
        self.evict(r.uscc for r in rows)
        self.last_change_id = rows[-1].id
        return len(rows)


async def keep_fresh(cache: ProfileCache, interval: float, stopped: Callable[[], bool]) -> None:
    """Poll the change log; call ``prime_position`` before serving the first request."""
    while not stopped():
        await asyncio.sleep(interval)
        try:
            await run_in_threadpool(cache.refresh)
        except Exception:  # noqa: BLE001 - a database blip: clear to stay correct, retry
            log.warning("profile change-log poll failed; clearing the profile cache", exc_info=True)
            cache.clear()
