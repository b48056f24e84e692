"""The webhook tables. ``create_tables`` is the frozen v1 layout the services' migrations
call (a later change gets a new function, never an edit of this one)."""

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from shared.db import BigId, UtcDateTime

metadata = MetaData()


def _columns() -> dict[str, list[Any]]:
    return {
        "webhook_subscription": [
            Column("id", String(36), primary_key=True),
            Column("api_key_hash", String(64), nullable=False, unique=True),
            Column("target_url", Text, nullable=False),
            Column("notify_url", Text, nullable=True),  # told when the subscription is paused
            Column("event_types", Text, nullable=False),  # JSON list; empty = every type
            Column("certificates", Text, nullable=False),  # JSON list of numbers
            Column("usccs", Text, nullable=False),  # JSON list of USCCs
            Column("secrets", Text, nullable=False),  # JSON [{secret, created_at, expires_at}]
            Column("status", String(16), nullable=False),  # active | paused | deleted
            Column("failure_streak", Integer, nullable=False),
            Column("paused_at", UtcDateTime(), nullable=True),
            Column("paused_reason", Text, nullable=True),
            Column("description", String(200), nullable=False),
            Column("start_after", BigInteger, nullable=False),
            Column("created_at", UtcDateTime(), nullable=False),
        ],
        "webhook_delivery": [
            Column("id", String(40), primary_key=True),
            Column("subscription_id", String(36), nullable=False),
            Column("sequence", BigInteger, nullable=False),
            Column("event_type", String(100), nullable=False),
            Column("target_url", Text, nullable=True),  # notices to the owner; else the sub's
            Column("payload", Text, nullable=False),
            Column("status", String(16), nullable=False),  # pending | delivered | failed
            Column("attempts", Integer, nullable=False),
            Column("next_attempt_at", UtcDateTime(), nullable=False),
            Column("lease_until", UtcDateTime(), nullable=True),
            Column("last_status_code", Integer, nullable=True),
            Column("last_error", Text, nullable=True),
            Column("created_at", UtcDateTime(), nullable=False),
            Column("delivered_at", UtcDateTime(), nullable=True),
            UniqueConstraint("subscription_id", "sequence", name="uq_webhook_delivery_entry"),
        ],
        "webhook_attempt": [
            Column("id", BigId, primary_key=True, autoincrement=True),
            Column("delivery_id", String(40), nullable=False, index=True),
            Column("attempt", Integer, nullable=False),
            Column("at", UtcDateTime(), nullable=False),
            Column("status_code", Integer, nullable=True),
            Column("error", Text, nullable=True),
            Column("duration_ms", Integer, nullable=False),
        ],
        "webhook_fanout": [
            Column("name", String(32), primary_key=True),
            Column("last_sequence", BigInteger, nullable=False),
        ],
    }


def _tables(md: MetaData) -> dict[str, Table]:
    tables = {name: Table(name, md, *cols) for name, cols in _columns().items()}
    d = tables["webhook_delivery"]
    Index("ix_webhook_delivery_due", d.c.status, d.c.next_attempt_at)
    Index("ix_webhook_delivery_subscription", d.c.subscription_id, d.c.sequence)
    return tables


TABLES = _tables(metadata)
subscription = TABLES["webhook_subscription"]
delivery = TABLES["webhook_delivery"]
attempt = TABLES["webhook_attempt"]
fanout = TABLES["webhook_fanout"]


def create_tables(op: Any) -> None:
    """Alembic ``upgrade()`` body (``op`` is ``alembic.op``)."""
    md = MetaData()
    for table in _tables(md).values():
        table.create(op.get_bind())


def drop_tables(op: Any) -> None:
    for name in ("webhook_attempt", "webhook_delivery", "webhook_subscription", "webhook_fanout"):
        op.drop_table(name)
