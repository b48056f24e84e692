"""The disclosure feed: publish and withdraw entries in commit order, for portals that mirror
what is public (and the webhook feed, which sends the same entries)."""

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Integer, and_, bindparam, func, select
from sqlalchemy.engine import Connection

from services.credit.service_layer.views import (
    DISCLOSURE,
    ENTERPRISE,
    LISTING,
    RECORD,
    RECORD_COLUMNS,
    case_names,
    case_names_async,
    is_public,
    listing_in_force,
    listing_public,
    record_public,
)
from shared.async_reads import AsyncReads, PreparedRead
from shared.pagination import decode_int_cursor, encode_cursor

FEED_COLUMNS = (
    DISCLOSURE.c.id.label("seq"),
    DISCLOSURE.c.entity,
    DISCLOSURE.c.entity_id,
    DISCLOSURE.c.uscc.label("entry_uscc"),
    DISCLOSURE.c.action,
    DISCLOSURE.c.reason.label("entry_reason"),
    DISCLOSURE.c.occurred_at,
    ENTERPRISE.c.name.label("enterprise_name"),
    ENTERPRISE.c.operator_name,
    *(c.label(f"r_{c.name}") for c in RECORD_COLUMNS),
    *(
        c.label(f"l_{c.name}")
        for c in (
            LISTING.c.id,
            LISTING.c.uscc,
            LISTING.c.status,
            LISTING.c.reason,
            LISTING.c.legal_basis,
            LISTING.c.listed_on,
            LISTING.c.term_end,
            LISTING.c.measure_codes,
        )
    ),
)


# Built once: a call binds the position after which to read and the page size.
_FEED = (
    select(*FEED_COLUMNS)
    .select_from(
        DISCLOSURE.outerjoin(
            RECORD,
            and_(DISCLOSURE.c.entity == "record", RECORD.c.id == DISCLOSURE.c.entity_id),
        )
        .outerjoin(
            LISTING,
            and_(DISCLOSURE.c.entity == "listing", LISTING.c.id == DISCLOSURE.c.entity_id),
        )
        .outerjoin(ENTERPRISE, ENTERPRISE.c.uscc == DISCLOSURE.c.uscc)
    )
    .where(DISCLOSURE.c.id > bindparam("after", type_=Integer))
    .order_by(DISCLOSURE.c.id)
    .limit(bindparam("limit", type_=Integer))
)
FEED_READ = PreparedRead(_FEED)


def feed(conn: Connection, *, cursor: str | None, limit: int, today: date) -> dict[str, Any]:
    """Disclosure entries after the cursor, in commit order.

    A publish entry whose record or listing has since left disclosure is skipped (its data is
    no longer public); the withdrawal entry that follows tells mirrors to delete it. The cursor
    advances over skipped entries too, so a page may hold fewer than ``limit`` items while
    ``has_more`` is true.
    """
    after = decode_int_cursor(cursor)
    rows = conn.execute(_FEED, {"after": after, "limit": limit}).mappings().all()
    named = case_names(conn, _listing_usccs(rows))
    return _page(rows, named, cursor, limit, today)


async def feed_async(
    reads: AsyncReads, *, cursor: str | None, limit: int, today: date
) -> dict[str, Any]:
    """``feed`` on the async driver (PostgreSQL): the same statements and rows."""
    rows = await reads.rows(FEED_READ, after=decode_int_cursor(cursor), limit=limit)
    named = await case_names_async(reads, _listing_usccs(rows))
    return _page(rows, named, cursor, limit, today)


def _listing_usccs(rows: Sequence[Mapping[Any, Any]]) -> list[str]:
    return [r["entry_uscc"] for r in rows if r["entity"] == "listing"]


def _page(
    rows: Sequence[Mapping[Any, Any]],
    named: dict[str, list[str]],
    cursor: str | None,
    limit: int,
    today: date,
) -> dict[str, Any]:
    items = [item for item in (_feed_item(r, today, named) for r in rows) if item is not None]
    return {
        "items": items,
        # With an empty page the cursor stays put: portals poll again with the same one.
        "next_cursor": encode_cursor(rows[-1]["seq"]) if rows else (cursor or encode_cursor(0)),
        "has_more": len(rows) == limit,
    }


def _feed_item(
    row: Mapping[Any, Any], today: date, named: dict[str, list[str]]
) -> dict[str, Any] | None:
    item: dict[str, Any] = {
        "sequence": row["seq"],
        "action": row["action"],
        "entity": row["entity"],
        "id": row["entity_id"],
        "uscc": row["entry_uscc"],
        "occurred_at": row["occurred_at"],
    }
    if row["action"] == "withdraw" or row["entry_reason"]:
        item["reason"] = row["entry_reason"]  # republished: under_dispute, corrected, ...
    if row["action"] == "withdraw":
        return item
    if row["entity"] == "record":
        record = {c.name: row[f"r_{c.name}"] for c in RECORD_COLUMNS}
        if record["id"] is None or not is_public(record, today):
            return None
        item["record"] = record_public(record, row["enterprise_name"], row["operator_name"])
        return item
    listing = {
        name: row[f"l_{name}"]
        for name in (
            "id",
            "uscc",
            "status",
            "reason",
            "legal_basis",
            "listed_on",
            "term_end",
            "measure_codes",
        )
    }
    if listing["id"] is None or not listing_in_force(listing, today):
        return None
    names = named.get(listing["uscc"] or "", [])
    item["listing"] = listing_public(listing, row["enterprise_name"], row["operator_name"], names)
    return item


def last_sequence(conn: Connection) -> int:
    """The sequence of the newest feed entry (0 while the feed is empty)."""
    return int(conn.execute(select(func.coalesce(func.max(DISCLOSURE.c.id), 0))).scalar_one())
