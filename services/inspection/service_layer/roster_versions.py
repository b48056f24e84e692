"""Roster versions (issue 13, item 4): the units, inspectors and labs are versioned as one
whole. Every import that changes at least one row adds version ``n + 1`` (its history rows
carry the number); an import that changes nothing adds none. A snapshot pins the version it
was frozen from (``roster_version`` in its document), so anyone can tell which state of the
rosters, with the row-level history, a draw was made from."""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from services.inspection.adapters.orm_outside import RosterVersionRow
from shared.clock import utcnow
from shared.db import table_of, take_append_lock

VERSION = table_of(RosterVersionRow)


def current(conn: Connection | Session) -> int:
    """The newest roster version (0 before any change)."""
    return int(conn.execute(select(func.coalesce(func.max(VERSION.c.version), 0))).scalar_one())


def next_version(session: Session, kind: str, changed_rows: int, actor: str) -> int:
    """Add the version an import's changes make; serialised, so numbers never repeat."""
    take_append_lock(session, "roster_version")
    version = current(session) + 1
    session.add(
        RosterVersionRow(
            version=version,
            kind=kind,
            changed_rows=changed_rows,
            actor=actor,
            occurred_at=utcnow(),
        )
    )
    return version


def versions(conn: Connection, *, after: int = 0, limit: int = 100) -> dict[str, Any]:
    rows = conn.execute(
        select(VERSION)
        .where(VERSION.c.version > after)
        .order_by(VERSION.c.version)
        .limit(limit + 1)
    ).mappings()
    items = [dict(r) for r in rows]
    more = len(items) > limit
    items = items[:limit]
    return {
        "current": current(conn),
        "items": items,
        "next_after": items[-1]["version"] if more else None,
    }


def pin(session: Session) -> int:
    """The version a snapshot freezes from. Holds the roster-version lock to the end of the
    freeze's transaction, so no import commits a change between reading the number and
    reading the rows (an import holds the same lock from its first change to its commit)."""
    take_append_lock(session, "roster_version")
    return current(session)
