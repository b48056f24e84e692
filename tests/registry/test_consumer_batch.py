"""A poll's batch in one transaction (issue 17 item 4): idempotency per event, a poison message
isolated without losing the good ones, correlation ids per event. Golden samples fed in
through the registry's own dispatcher, on both databases; no broker."""

import json
import uuid
from typing import Any

from sqlalchemy import event, func, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.registry.adapters.orm import processed_events
from services.registry.service_layer.handlers import TOPICS, make_handler
from shared.consumer import IdempotentConsumer
from shared.contracts.catalog import SAMPLES
from shared.contracts.credit import MeasureAppliedV1
from shared.dispatch import Dispatcher
from shared.events import EventEnvelope
from shared.observability import request_id_var

APPLIED = SAMPLES / "credit.measure.applied.v1.json"


class DeadLetters:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send(self, _topic: str, *, value: bytes, **_k: object) -> "DeadLetters":
        self.sent.append(value)
        return self

    def get(self, timeout: float) -> None:
        return None


def consumer(engine: Engine, handler: Any, dlq: DeadLetters) -> IdempotentConsumer:
    return IdempotentConsumer(
        name="registry-consumer",
        topics=TOPICS,
        engine=engine,
        processed_table=processed_events,
        handler=handler,
        consumer_factory=lambda: None,
        producer_factory=lambda: dlq,
        max_attempts=2,
        retry_delay=0,
    )


def applied(listing: str, *, correlation: str | None = None, **payload: object) -> bytes:
    data = json.loads(APPLIED.read_text())
    data["event_id"] = str(uuid.uuid4())
    data["correlation_id"] = correlation
    data["payload"].update(listing_id=listing, **payload)
    return json.dumps(data).encode()


def sanctions(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT listing_id FROM holder_sanction ORDER BY listing_id"))
        return [r[0] for r in rows]


def processed_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(processed_events)).scalar_one())


def test_a_clean_batch_is_one_transaction_and_redelivery_is_a_no_op(engine: Engine) -> None:
    dlq = DeadLetters()
    c = consumer(engine, make_handler(engine, suspend_existing=False), dlq)
    batch = [(applied(f"LST-B-{i}"), f"credit.events/0@{i}") for i in range(5)]
    commits: list[object] = []

    def count(conn: object) -> None:
        commits.append(conn)

    event.listen(engine, "commit", count)
    try:
        c.handle_batch([*batch, batch[0]])  # the same event twice in one poll
    finally:
        event.remove(engine, "commit", count)
    assert len(commits) == 1
    assert sanctions(engine) == [f"LST-B-{i}" for i in range(5)]
    assert (c.stats.processed, c.stats.duplicates) == (5, 1)
    c.handle_batch(batch)  # the whole poll redelivered after a crash before the offset commit
    assert (c.stats.processed, c.stats.duplicates) == (5, 6)
    assert processed_count(engine) == 5 and dlq.sent == []


def test_a_poison_message_is_dead_lettered_alone_and_the_good_ones_apply(engine: Engine) -> None:
    dlq = DeadLetters()
    c = consumer(engine, make_handler(engine, suspend_existing=False), dlq)
    poison = applied("LST-P-X", measure_code=None)  # fails the contract: never applicable
    batch = [
        (applied("LST-P-1"), "credit.events/0@1"),
        (poison, "credit.events/0@2"),
        (b"not json", "credit.events/0@3"),
        (applied("LST-P-2"), "credit.events/0@4"),
    ]
    c.handle_batch(batch)
    assert sanctions(engine) == ["LST-P-1", "LST-P-2"]
    assert sorted(dlq.sent) == sorted([poison, b"not json"])
    assert (c.stats.processed, c.stats.dead_lettered) == (2, 2)
    assert processed_count(engine) == 2


def test_each_event_of_a_batch_runs_under_its_own_correlation_id(engine: Engine) -> None:
    seen: list[str | None] = []

    def record(_ctx: Session, _p: MeasureAppliedV1, _e: EventEnvelope) -> None:
        seen.append(request_id_var.get())

    dispatcher = Dispatcher(lambda session: session).on(MeasureAppliedV1, record)
    c = consumer(engine, dispatcher, DeadLetters())
    first, second = applied("LST-C-1", correlation="flow-1"), applied("LST-C-2")
    c.handle_batch([(first, "credit.events/0@1"), (second, "credit.events/0@2")])
    assert seen == ["flow-1", json.loads(second)["event_id"]]
    assert request_id_var.get() is None or request_id_var.get() not in seen
