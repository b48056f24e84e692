"""The verification cache: certificate records keyed by number (see shared/cache.py).

Body and holder changes touch many certificates and are rare, so they clear the cache.
"""

from datetime import date
from typing import Any

from pydantic_core import to_json
from sqlalchemy.engine import Connection, Engine

from services.registry.service_layer import views
from shared.async_reads import AsyncReads
from shared.cache import Change, ChangeLogCache
from shared.clock import today_in_china

VerificationCache = ChangeLogCache[dict[str, Any]]


def _changes(conn: Connection, last_id: int) -> list[Change]:
    return [
        (r.id, r.entity_key if r.entity == "certificate" else None)
        for r in views.changes_since(conn, last_id)
    ]


def rendered_with_status(record: dict[str, Any], today: date | None = None) -> tuple[str, bytes]:
    """The public view as JSON, memoised on the cached record for the current day (the
    effective status depends on the date; the record itself is replaced on any change). Kept
    as three plain values, not a tuple, so the record stays untracked by the garbage collector
    (see ``views.records_of``)."""
    today = today or today_in_china()
    if record.get("_rendered_on") != today:
        view = views.public_view(record, today)
        record["_status"] = view["status"]
        record["_json"] = to_json(view)
        record["_rendered_on"] = today
    return record["_status"], record["_json"]


def load_entries(conn: Connection, numbers: list[str], today: date) -> dict[str, dict[str, Any]]:
    """Records with their JSON rendered once, here in the loading thread: the event loop only
    joins bytes, and the entry's size (for the memory bound) includes the rendering."""
    records = views.load_records(conn, numbers)
    for record in records.values():
        rendered_with_status(record, today)
    return records


async def load_entries_async(
    reads: AsyncReads, numbers: list[str], today: date
) -> dict[str, dict[str, Any]]:
    """``load_entries`` on the async driver (PostgreSQL)."""
    records = await views.load_records_async(reads, numbers)
    for record in records.values():
        rendered_with_status(record, today)
    return records


def verification_cache(engine: Engine, max_mb: float) -> VerificationCache:
    return ChangeLogCache(
        engine,
        max_mb,
        name="verification",
        load=load_entries,
        async_load=load_entries_async,
        changes_since=_changes,
        last_change_id=views.last_change_id,
    )
