"""The relay's confirmed-positions watch with a fake confirmation feed (the real broker:
tests/registry/test_consumer_positions.py)."""

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from devtools.testing.databases import drop_database, new_database
from services.registry.adapters.orm import outbox
from services.registry.config import SERVICE_DIR
from shared.consumer_positions import ConfirmationWatch, PositionReporter
from shared.db import make_engine
from tests.shared.test_broker_epoch import add_rows


@pytest.fixture
def engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    url = new_database(backend, SERVICE_DIR, tmp_path, "positions")
    eng = make_engine(url)
    yield eng
    eng.dispose()
    drop_database(url)


def event_ids(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(outbox.table.c.event_id).order_by("id")).scalars())


def unsent(engine: Engine) -> int:
    t = outbox.table
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(t.c.sent_at.is_(None))).scalar_one())


def test_only_rows_a_live_consumer_never_confirmed_are_queued_again(engine: Engine) -> None:
    feed: list[bytes] = []
    reporter = PositionReporter("c1", ["registry.events"], lambda _t, v: feed.append(v))
    watch = ConfirmationWatch(
        service="registry",
        engine=engine,
        outbox=outbox,
        topic="registry.events",
        read=lambda: [feed.pop(0) for _ in list(feed)],
        grace=0.2,
        liveness=5,
    )
    reporter.flush()  # heartbeat: c1 is known from now on
    watch.ingest()
    add_rows(engine, 3, sent=True)
    first, second, third = event_ids(engine)
    reporter.confirm("registry.events/0@7", first)
    reporter.confirm("registry.events/1@3", third)
    reporter.flush()
    assert json.loads(feed[0])["event_ids"] == [first, third]
    time.sleep(0.3)
    assert watch.check() == 1  # the second was lost on the way
    assert unsent(engine) == 1
    assert watch.check() == 0  # each sent row is judged once
    watch.consumers["c1"].last_seen -= timedelta(seconds=60)  # c1 went silent (stopped)
    add_rows(engine, 1, sent=True)
    time.sleep(0.3)
    assert watch.check() == 0  # a consumer that is down proves nothing lost
    assert unsent(engine) == 1
