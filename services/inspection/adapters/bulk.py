"""Bulk writes for the draw's thousands of rows: COPY on PostgreSQL, executemany on SQLite.

A draw of 20,000 units writes 20,000 tasks and 20,001 outbox rows in its one transaction.
psycopg's executemany sends a statement per row; COPY inside the same transaction sends them
as one stream, so the draw stays within a small multiple of reading its snapshot.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Table, insert
from sqlalchemy.engine import Connection
from sqlmodel import Session

from shared.clock import utcnow
from shared.db import take_append_lock
from shared.outbox import Outbox, OutboxMessage


def insert_rows(
    session: Session | Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert ``rows`` (dicts with the same keys) inside the caller's transaction."""
    if not rows:
        return
    conn = session.connection() if isinstance(session, Session) else session
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), list(rows))
        return
    columns = list(rows[0])
    json_columns = {c for c in columns if isinstance(table.c[c].type, JSON)}
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(
                    [
                        json.dumps(row[c], ensure_ascii=False, default=_json_default)
                        if c in json_columns
                        else row[c]
                        for c in columns
                    ]
                )
    finally:
        cursor.close()


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


@dataclass(frozen=True)
class PreparedMessage:
    """An outbox message whose envelope is already serialised (see ``emit_many``)."""

    topic: str
    event_id: str
    subject: str
    event_type: str
    body: str


class BulkOutbox(Outbox):
    """The kernel's outbox, appending many events at once with ``insert_rows``."""

    def append(self, session: Session | Connection, messages: list[Any]) -> None:
        if not messages:
            return
        take_append_lock(session, self.table.name)
        now = utcnow()
        insert_rows(session, self.table, [_row(m, now) for m in messages])


def _row(m: OutboxMessage | PreparedMessage, now: datetime) -> dict[str, Any]:
    if isinstance(m, PreparedMessage):
        return {
            "event_id": m.event_id,
            "topic": m.topic,
            "message_key": m.subject,
            "event_type": m.event_type,
            "body": m.body,
            "created_at": now,
        }
    return {
        "event_id": str(m.envelope.event_id),
        "topic": m.topic,
        "message_key": m.envelope.subject,
        "event_type": m.envelope.event_type,
        "body": m.envelope.model_dump_json(),
        "created_at": now,
    }
