"""The relay's broker-loss detection, with a fake topic list (the real broker: tests/faults)."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine

from devtools.testing.databases import drop_database, new_database
from services.registry.adapters.orm import outbox
from services.registry.config import SERVICE_DIR
from shared.broker_epoch import BrokerEpochWatch, marker_topic
from shared.clock import utcnow
from shared.db import make_engine


@pytest.fixture
def engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    url = new_database(backend, SERVICE_DIR, tmp_path, "epoch")
    eng = make_engine(url)
    yield eng
    eng.dispose()
    drop_database(url)


class FakeBroker:
    def __init__(self) -> None:
        self.topics: set[str] = set()

    def list_topics(self) -> set[str]:
        return set(self.topics)

    def create_topic(self, topic: str) -> None:
        self.topics.add(topic)


def add_rows(engine: Engine, count: int, *, sent: bool) -> None:
    with engine.begin() as conn:
        for _ in range(count):
            conn.execute(
                insert(outbox.table).values(
                    event_id=str(uuid.uuid4()),
                    topic="registry.events",
                    message_key="k",
                    event_type="t",
                    body="{}",
                    created_at=utcnow(),
                    sent_at=utcnow() if sent else None,
                )
            )


def unsent(engine: Engine) -> int:
    t = outbox.table
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(t.c.sent_at.is_(None))).scalar_one())


def watch(engine: Engine, broker: FakeBroker) -> BrokerEpochWatch:
    return BrokerEpochWatch(
        service="registry",
        engine=engine,
        outbox=outbox,
        list_topics=broker.list_topics,
        create_topic=broker.create_topic,
    )


def test_first_start_creates_the_marker_without_republishing(engine: Engine) -> None:
    broker = FakeBroker()
    add_rows(engine, 2, sent=False)
    assert watch(engine, broker).check() == 0
    assert marker_topic("registry") in broker.topics
    assert unsent(engine) == 2


def test_marker_present_means_nothing_to_do(engine: Engine) -> None:
    broker = FakeBroker()
    add_rows(engine, 3, sent=True)
    w = watch(engine, broker)
    w.check()  # an upgrade from a version without markers republishes once (harmless)
    with engine.begin() as conn:
        conn.execute(update(outbox.table).values(sent_at=utcnow()))
    assert w.check() == 0
    assert unsent(engine) == 0


def test_lost_broker_queues_every_retained_row_again(engine: Engine) -> None:
    broker = FakeBroker()
    w = watch(engine, broker)
    w.check()
    add_rows(engine, 3, sent=True)
    add_rows(engine, 1, sent=False)
    broker.topics.clear()  # the broker came back empty

    assert w.check() == 4
    assert unsent(engine) == 4
    assert marker_topic("registry") in broker.topics
    assert w.check() == 0  # detected once
