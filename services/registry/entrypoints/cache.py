"""The verification cache: certificate records keyed by number (see shared/cache.py).

Body and holder changes touch many certificates and are rare, so they clear the cache.
"""

from typing import Any

from sqlalchemy.engine import Connection, Engine

from services.registry.service_layer import views
from shared.cache import Change, ChangeLogCache

VerificationCache = ChangeLogCache[dict[str, Any]]


def _changes(conn: Connection, last_id: int) -> list[Change]:
    return [
        (r.id, r.entity_key if r.entity == "certificate" else None)
        for r in views.changes_since(conn, last_id)
    ]


def verification_cache(engine: Engine, maxsize: int) -> VerificationCache:
    return ChangeLogCache(
        engine,
        maxsize,
        load=lambda conn, numbers, _today: views.load_records(conn, numbers),
        changes_since=_changes,
        last_change_id=views.last_change_id,
    )
