"""Transactional outbox: events are rows written in the same transaction as the state change.

The relay (``shared.relay``) publishes unsent rows in id order and marks them sent; sent rows
are kept for a retention period so they can be replayed. Rows are appended under the
append lock, so their ids become visible in commit order.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection
from sqlmodel import Session

from shared.clock import utcnow
from shared.db import BigId, UtcDateTime, take_append_lock
from shared.events import EventEnvelope


def outbox_table(metadata: MetaData) -> Table:
    table = Table(
        "outbox",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("message_key", String(200), nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("body", Text, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("sent_at", UtcDateTime(), nullable=True),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text, nullable=True),
    )
    Index(
        "ix_outbox_unsent",
        table.c.id,
        postgresql_where=table.c.sent_at.is_(None),
        sqlite_where=table.c.sent_at.is_(None),
    )
    Index("ix_outbox_created_at", table.c.created_at)
    return table


def processed_events_table(metadata: MetaData) -> Table:
    """The idempotent consumer's record: one row per (consumer, event) already applied."""
    return Table(
        "processed_events",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(200), nullable=False),
        Column("processed_at", UtcDateTime(), nullable=False),
    )


@dataclass
class OutboxMessage:
    topic: str
    envelope: EventEnvelope


class Outbox:
    """Writes and administers one service's outbox table."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def append(self, session: Session | Connection, messages: list[OutboxMessage]) -> None:
        """Add events inside the caller's transaction; they commit or roll back with it."""
        if not messages:
            return
        take_append_lock(session, self.table.name)
        now = utcnow()
        rows = [
            {
                "event_id": str(m.envelope.event_id),
                "topic": m.topic,
                "message_key": m.envelope.subject,
                "event_type": m.envelope.event_type,
                "body": m.envelope.model_dump_json(),
                "created_at": now,
            }
            for m in messages
        ]
        session.execute(insert(self.table), rows)

    def backlog(self, conn: Connection) -> tuple[int, datetime | None]:
        """Unsent rows and the creation time of the oldest of them (publish lag)."""
        row = conn.execute(
            select(func.count(), func.min(self.table.c.created_at)).where(
                self.table.c.sent_at.is_(None)
            )
        ).one()
        return int(row[0]), row[1]

    def mark_for_replay(
        self, conn: Connection, *, since: datetime | None = None, since_id: int | None = None
    ) -> int:
        """Make retained rows unsent again so the relay publishes them once more."""
        stmt = update(self.table).values(sent_at=None)
        if since is not None:
            stmt = stmt.where(self.table.c.created_at >= since)
        if since_id is not None:
            stmt = stmt.where(self.table.c.id >= since_id)
        return conn.execute(stmt).rowcount

    def purge_sent(self, conn: Connection, *, retention: timedelta) -> int:
        cutoff = utcnow() - retention
        stmt = self.table.delete().where(
            self.table.c.sent_at.is_not(None), self.table.c.sent_at < cutoff
        )
        return conn.execute(stmt).rowcount
