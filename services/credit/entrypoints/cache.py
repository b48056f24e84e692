"""The public profile cache: rendered JSON per USCC (see shared/cache.py).

Entries are the finished JSON bytes: a hit costs a dictionary lookup and no serialisation.
"""

from collections.abc import Callable
from datetime import date

from pydantic_core import to_json
from sqlalchemy.engine import Connection, Engine

from services.credit.service_layer import profile_views
from shared.async_reads import AsyncReads
from shared.cache import Change, ChangeLogCache

ProfileCache = ChangeLogCache[bytes]


def load_entries(conn: Connection, usccs: list[str], today: date) -> dict[str, bytes]:
    return {u: to_json(p) for u, p in profile_views.load_profiles(conn, usccs, today).items()}


async def load_entries_async(reads: AsyncReads, usccs: list[str], today: date) -> dict[str, bytes]:
    """``load_entries`` on the async driver (PostgreSQL)."""
    profiles = await profile_views.load_profiles_async(reads, usccs, today)
    return {u: to_json(p) for u, p in profiles.items()}


def _changes(conn: Connection, last_id: int) -> list[Change]:
    return [(r.id, r.uscc) for r in profile_views.profile_changes_since(conn, last_id)]


def profile_cache(engine: Engine, max_mb: float, today: Callable[[], date]) -> ProfileCache:
    return ChangeLogCache(
        engine,
        max_mb,
        name="profile",
        load=load_entries,
        async_load=load_entries_async,
        changes_since=_changes,
        last_change_id=profile_views.last_profile_change,
        today=today,
    )
