"""Fan-out: each new feed entry becomes one delivery row per matching subscription, written in
the same transaction as the fan-out cursor (so every entry is fanned out exactly once)."""

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine, RowMapping

from shared.clock import utcnow
from shared.db import WRITE, is_sqlite
from shared.webhooks import schema as t

CURSOR = "default"


@dataclass(frozen=True)
class FeedEntry:
    sequence: int
    event_type: str  # e.g. registry.certificate.suspended, credit.disclosure.withdraw
    subjects: frozenset[str]  # certificate numbers and USCCs the entry is about
    occurred_at: datetime
    data: dict[str, Any]  # the public feed item, exactly as the public feed shows it


class FeedSource(Protocol):
    event_types: tuple[str, ...]  # the types (prefixes) this feed emits

    def head(self, conn: Connection) -> int:
        """The last sequence of the feed now."""

    def entries(self, conn: Connection, after: int, limit: int) -> tuple[list[FeedEntry], int]:
        """Public entries after ``after`` and the sequence to continue after (entries the
        public may no longer see are skipped, the returned sequence moves past them)."""


def matches(sub: RowMapping, entry: FeedEntry) -> bool:
    types = json.loads(sub["event_types"])
    if types and not any(entry.event_type.startswith(prefix) for prefix in types):
        return False
    wanted = set(json.loads(sub["certificates"])) | set(json.loads(sub["usccs"]))
    return not wanted or bool(wanted & entry.subjects)


def message(entry: FeedEntry) -> str:
    """The delivered body, stored once so retries and replays send the same bytes."""
    return json.dumps(
        {"type": entry.event_type, "timestamp": entry.occurred_at.isoformat(), "data": entry.data},
        ensure_ascii=False,
        default=str,
        separators=(",", ":"),
    )


def delivery_row(sub_id: str, entry: FeedEntry) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": "msg_" + uuid.uuid4().hex,
        "subscription_id": sub_id,
        "sequence": entry.sequence,
        "event_type": entry.event_type,
        "target_url": None,
        "payload": message(entry),
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "lease_until": None,
        "created_at": now,
    }


def write_engine(engine: Engine) -> Engine:
    return engine.execution_options(**WRITE) if is_sqlite(engine) else engine


def _cursor(conn: Connection, source: FeedSource) -> int:
    stmt = select(t.fanout.c.last_sequence).where(t.fanout.c.name == CURSOR)
    if not is_sqlite(conn):
        stmt = stmt.with_for_update()
    found = conn.execute(stmt).scalar()
    if found is not None:
        return int(found)
    # first run: start where the oldest subscription starts (or at the head: nothing to send)
    oldest = conn.execute(select(t.subscription.c.start_after).order_by("start_after")).scalar()
    start = int(oldest) if oldest is not None else source.head(conn)
    conn.execute(insert(t.fanout).values(name=CURSOR, last_sequence=start))
    return start


def subscriptions(conn: Connection) -> Sequence[RowMapping]:
    live = t.subscription.c.status != "deleted"
    return conn.execute(select(t.subscription).where(live)).mappings().all()


def fan_out(engine: Engine, source: FeedSource, limit: int = 500) -> int:
    """One batch; returns the number of feed entries consumed."""
    with write_engine(engine).begin() as conn:
        after = _cursor(conn, source)
        entries, next_after = source.entries(conn, after, limit)
        if next_after <= after:
            return 0
        subs = subscriptions(conn)
        rows = [
            delivery_row(sub["id"], e)
            for e in entries
            for sub in subs
            if e.sequence > sub["start_after"] and matches(sub, e)
        ]
        if rows:
            conn.execute(insert(t.delivery), rows)
        conn.execute(
            update(t.fanout).where(t.fanout.c.name == CURSOR).values(last_sequence=next_after)
        )
        return max(len(entries), 1)


def backfill(
    conn: Connection, source: FeedSource, sub: RowMapping, since: int, limit: int = 10_000
) -> int:
    """Replay: deliveries for this subscription's entries after ``since`` (up to what was fanned
    out), queued again if they exist, created if they precede the subscription."""
    upto = conn.execute(select(t.fanout.c.last_sequence)).scalar() or source.head(conn)
    existing = {
        r.sequence: r.id
        for r in conn.execute(
            select(t.delivery.c.sequence, t.delivery.c.id).where(
                t.delivery.c.subscription_id == sub["id"], t.delivery.c.sequence > since
            )
        )
    }
    queued, after = 0, since
    while after < upto and queued < limit:
        entries, next_after = source.entries(conn, after, min(500, limit - queued))
        if next_after <= after:
            break
        for e in entries:
            if e.sequence > upto or not matches(sub, e):
                continue
            if e.sequence in existing:
                requeue(conn, existing[e.sequence])
            else:
                conn.execute(insert(t.delivery).values(**delivery_row(sub["id"], e)))
            queued += 1
        after = next_after
    return queued


def requeue(conn: Connection, delivery_id: str) -> None:
    conn.execute(
        update(t.delivery)
        .where(t.delivery.c.id == delivery_id)
        .values(status="pending", attempts=0, next_attempt_at=utcnow(), lease_until=None)
    )
