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

from sqlalchemy import JSON, Table
from sqlalchemy.engine import Connection
from sqlmodel import Session

from shared.clock import utcnow
from shared.db import take_append_lock
from shared.outbox import Outbox, OutboxMessage


def insert_rows(
    session: Session | Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert ``rows`` (dicts with the same keys) inside the caller's transaction."""
    if rows:
        columns = list(rows[0])
        insert_tuples(session, table, columns, [tuple(map(r.__getitem__, columns)) for r in rows])


def insert_tuples(
    session: Session | Connection, table: Table, columns: list[str], rows: Sequence[tuple]
) -> None:
    """Insert ``rows`` (values in the order of ``columns``) inside the caller's transaction."""
    if not rows:
        return
    conn = session.connection() if isinstance(session, Session) else session
    if conn.dialect.name != "postgresql":
        _executemany(conn, table, columns, rows)
        return
    json_at = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN') as copy:
            for row in rows:
                if json_at:
                    values = list(row)
                    for i in json_at:
                        values[i] = _encode_json(values[i])
                    copy.write_row(values)
                else:
                    copy.write_row(row)
    finally:
        cursor.close()


def _executemany(conn: Connection, table: Table, columns: list[str], rows: Sequence[tuple]) -> None:
    """SQLite: one executemany of plain tuples, each value converted by its column type's own
    bind processor (what ``conn.execute(insert(table), rows)`` does, without compiling
    parameters per row)."""
    processors = [
        table.c[c].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for c in columns
    ]
    convert = [(i, p) for i, p in enumerate(processors) if p is not None]
    if convert:
        converted = []
        for row in rows:
            value = list(row)
            for i, process in convert:
                value[i] = process(value[i])
            converted.append(tuple(value))
        rows = converted
    placeholders = ", ".join("?" * len(columns))
    conn.exec_driver_sql(
        f'INSERT INTO "{table.name}" ({", ".join(columns)}) VALUES ({placeholders})', list(rows)
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


_encode_json = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode


@dataclass(frozen=True)
class PreparedMessage:
    """An outbox message whose envelope is already serialised (see ``emit_many``)."""

    topic: str
    event_id: str
    subject: str
    event_type: str
    body: str


class BulkOutbox(Outbox):
    """The kernel's outbox, appending many events at once with ``insert_tuples``."""

    def append(self, session: Session | Connection, messages: list[Any]) -> None:
        if not messages:
            return
        take_append_lock(session, self.table.name)
        now = utcnow()
        insert_tuples(session, self.table, list(OUTBOX_COLUMNS), [_row(m, now) for m in messages])


OUTBOX_COLUMNS = ("event_id", "topic", "message_key", "event_type", "body", "created_at")


def _row(m: OutboxMessage | PreparedMessage, now: datetime) -> tuple:
    if isinstance(m, PreparedMessage):
        return (m.event_id, m.topic, m.subject, m.event_type, m.body, now)
    return (
        str(m.envelope.event_id),
        m.topic,
        m.envelope.subject,
        m.envelope.event_type,
        m.envelope.model_dump_json(),
        now,
    )
