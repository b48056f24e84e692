"""A local copy of a public feed in SQLite or PostgreSQL, exactly once per entry.

Each page is applied in one transaction together with the cursor that follows it, so a mirror
killed at any point resumes from the last page it committed: nothing is skipped and nothing is
applied twice. The applied entries are logged under their feed sequence (primary key), so a
second application could not commit even if two mirrors raced; the cursor is advanced with a
compare-and-set and a mirror that lost the race re-reads it.

``disclosures`` (credit): ``mirror_disclosures`` holds what is in disclosure now, one row per
record or listing; a withdraw entry deletes its row. ``changes`` (registry):
``mirror_changes`` logs every change and ``mirror_entities`` holds each entity's latest status.
"""

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from qp_client import models as m
from qp_client.client import Client

FEEDS = ("disclosures", "changes")

metadata = sa.MetaData()
state = sa.Table(
    "mirror_state",
    metadata,
    sa.Column("feed", sa.String(32), primary_key=True),
    sa.Column("cursor", sa.String(200), nullable=True),
    sa.Column("entries", sa.BigInteger, nullable=False, default=0),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
applied = sa.Table(
    "mirror_applied",
    metadata,
    sa.Column("feed", sa.String(32), primary_key=True),
    sa.Column("sequence", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)
disclosures = sa.Table(
    "mirror_disclosures",
    metadata,
    sa.Column("entity", sa.String(16), primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("uscc", sa.String(32), nullable=False, index=True),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
)
changes = sa.Table(
    "mirror_changes",
    metadata,
    sa.Column("sequence", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("entity", sa.String(32), nullable=False),
    sa.Column("key", sa.String(128), nullable=False),
    sa.Column("change", sa.String(64), nullable=False),
    sa.Column("status", sa.String(32), nullable=True),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
)
entities = sa.Table(
    "mirror_entities",
    metadata,
    sa.Column("entity", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("status", sa.String(32), nullable=True),
    sa.Column("last_change", sa.String(64), nullable=False),
    sa.Column("sequence", sa.BigInteger, nullable=False),
)


def engine_for(url: str) -> Engine:
    """SQLite or PostgreSQL (psycopg 3) from a plain URL."""
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    for feed in FEEDS:
        try:
            with engine.begin() as conn:
                if stored_row(conn, feed) is None:
                    conn.execute(
                        state.insert().values(
                            feed=feed, cursor=None, entries=0, updated_at=datetime.now(UTC)
                        )
                    )
        except sa.exc.IntegrityError:
            pass  # another mirror created it first
    return engine


@dataclass
class Progress:
    pages: int = 0
    entries: int = 0
    cursor: str | None = None


class CursorMoved(Exception):
    """Another mirror committed this page first; re-read the cursor."""


def stored_row(conn: Connection, feed: str) -> Any:
    return conn.execute(sa.select(state.c.cursor).where(state.c.feed == feed)).first()


def stored_cursor(conn: Connection, feed: str) -> str | None:
    row = stored_row(conn, feed)
    return None if row is None else row.cursor


def _advance(conn: Connection, feed: str, old: str | None, new: str, count: int) -> None:
    """Compare-and-set, first thing in the page's transaction: the row lock (PostgreSQL) or
    the write lock (SQLite) makes a racing mirror wait, then find the cursor moved."""
    now = datetime.now(UTC)
    done = conn.execute(
        state.update()
        .where(state.c.feed == feed, _same_cursor(old))
        .values(cursor=new, entries=state.c.entries + count, updated_at=now)
    )
    if done.rowcount != 1:
        raise CursorMoved(feed)


def _same_cursor(old: str | None) -> sa.ColumnElement[bool]:
    return state.c.cursor.is_(None) if old is None else state.c.cursor == old


def _log(conn: Connection, feed: str, sequence: int) -> None:
    conn.execute(
        applied.insert().values(feed=feed, sequence=sequence, applied_at=datetime.now(UTC))
    )


def apply_disclosure(conn: Connection, entry: m.Disclosure) -> None:
    key = (disclosures.c.entity == entry.entity) & (disclosures.c.id == entry.id)
    conn.execute(disclosures.delete().where(key))
    if entry.action == "publish":
        body = entry.record if entry.entity == "record" else entry.listing
        conn.execute(
            disclosures.insert().values(
                entity=entry.entity,
                id=entry.id,
                uscc=entry.uscc,
                sequence=entry.sequence,
                occurred_at=entry.occurred_at,
                data=json.dumps(body.model_dump(mode="json") if body else {}, ensure_ascii=False),
            )
        )


def apply_change(conn: Connection, entry: m.Change) -> None:
    conn.execute(changes.insert().values(**entry.model_dump(include=set(changes.c.keys()))))
    key = (entities.c.entity == entry.entity) & (entities.c.key == entry.key)
    latest = conn.execute(sa.select(entities.c.sequence).where(key)).first()
    if latest is not None and latest.sequence > entry.sequence:
        return
    conn.execute(entities.delete().where(key))
    conn.execute(
        entities.insert().values(
            entity=entry.entity,
            key=entry.key,
            status=entry.status,
            last_change=entry.change,
            sequence=entry.sequence,
        )
    )


def _pages(client: Client, feed: str, cursor: str | None, limit: int) -> Iterator[Any]:
    if feed == "disclosures":
        return client.disclosure_pages(cursor, limit=limit)
    return client.change_pages(cursor, limit=limit)


def sync_once(
    client: Client,
    engine: Engine,
    feed: str,
    limit: int = 500,
    on_page: Callable[[Progress], None] | None = None,
) -> Progress:
    """Mirror from the stored cursor until the feed has nothing more."""
    apply = apply_disclosure if feed == "disclosures" else apply_change
    progress = Progress()
    while True:
        with engine.connect() as conn:
            cursor = stored_cursor(conn, feed)
        try:
            for page in _pages(client, feed, cursor, limit):
                with engine.begin() as conn:
                    _advance(conn, feed, cursor, page.next_cursor, len(page.items))
                    for entry in page.items:
                        _log(conn, feed, entry.sequence)
                        apply(conn, entry)
                cursor = page.next_cursor
                progress.pages += 1
                progress.entries += len(page.items)
                progress.cursor = cursor
                if on_page is not None:
                    on_page(progress)
            return progress
        except (CursorMoved, sa.exc.IntegrityError):
            continue  # another mirror applied this page: go on from the stored cursor


def follow(
    client: Client,
    engine: Engine,
    feed: str,
    limit: int = 500,
    interval: float = 2.0,
    on_page: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Keep mirroring: poll again ``interval`` seconds after catching up."""
    while not should_stop():
        sync_once(client, engine, feed, limit, on_page)
        time.sleep(interval)
