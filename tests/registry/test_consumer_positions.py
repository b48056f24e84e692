"""Issue 18: a broker that lost acknowledged events is noticed from the consumers' confirmed
positions (no epoch marker involved) and the lost events are republished once, with an alert
(the real test broker, restarted with its memory storage lost)."""

import time
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine

from devtools.testing.broker import TestBroker
from devtools.testing.kafka import wait_until
from devtools.testing.relay import drain, relay_for_tests
from services.registry.adapters.orm import outbox, processed_events
from shared.clock import utcnow
from shared.consumer import IdempotentConsumer
from shared.consumer_positions import (
    UNCONFIRMED,
    ConfirmationWatch,
    KafkaConfirmationReader,
    PositionReporter,
    confirmations_topic,
    kafka_publisher,
)
from shared.contracts.registry import CertificateIssuedV1
from shared.kafka import ensure_topics, make_consumer, make_producer
from tests.registry.test_broker import envelope

pytestmark = pytest.mark.broker


def add_events(engine: Engine, topic: str, count: int) -> list[str]:
    events = [envelope(f"9133010{n}MA2ABCDEXG") for n in range(count)]
    with engine.begin() as conn:
        for e in events:
            conn.execute(
                insert(outbox.table).values(
                    event_id=str(e.event_id),
                    topic=topic,
                    message_key=e.subject,
                    event_type=CertificateIssuedV1.EVENT_TYPE,
                    body=e.model_dump_json(),
                    created_at=utcnow(),
                )
            )
    return [str(e.event_id) for e in events]


def succeeds(action: Callable[[], object]) -> bool:
    try:
        action()
        return True
    except Exception:  # noqa: BLE001 - the broker is still coming back
        return False


def test_events_the_broker_lost_before_any_consumer_read_them_are_republished_once(
    engine: Engine, own_broker: TestBroker, backend: str
) -> None:
    if backend == "sqlite":  # ~10 s of broker restart and group joins: once is enough
        pytest.skip("broker-loss scenario runs on PostgreSQL (the watch's SQL is portable)")
    topic, name = f"test-positions-{uuid.uuid4().hex[:6]}", f"c-{uuid.uuid4().hex[:6]}"
    bootstrap = [own_broker.bootstrap]
    ensure_topics(bootstrap, [topic])
    applied: list[str] = []
    reporter = PositionReporter(name, [topic], kafka_publisher(bootstrap))
    consumer = IdempotentConsumer(
        name=name,
        topics=[topic],
        engine=engine,
        processed_table=processed_events,
        handler=lambda _session, e: applied.append(str(e.event_id)),
        consumer_factory=lambda: make_consumer(bootstrap, name),
        producer_factory=lambda: make_producer(bootstrap),
        on_handled=reporter.confirm,
    )
    watch = ConfirmationWatch(
        service="registry",
        engine=engine,
        outbox=outbox,
        topic=topic,
        read=KafkaConfirmationReader(bootstrap, confirmations_topic(topic), stale_after=1),
        grace=0.5,
        liveness=10,
    )
    relay = relay_for_tests("registry", engine, outbox, own_broker.bootstrap)
    reporter.flush()  # the heartbeat makes the consumer known to the relay's watch

    def known() -> bool:
        watch.ingest()
        return name in watch.consumers

    wait_until(known)

    read = add_events(engine, topic, 2)
    drain(relay)
    wait_until(lambda: (consumer.poll_once(200), len(applied) == 2)[1])
    reporter.flush()

    def confirmed() -> bool:
        watch.ingest()
        return set(read) <= watch.consumers[name].confirmed

    wait_until(confirmed)
    time.sleep(0.6)
    assert watch.check() == 0  # confirmed: nothing to republish

    lost = add_events(engine, topic, 2)
    assert drain(relay) == 2  # acknowledged by the broker, not yet read by the consumer
    assert own_broker.process is not None
    own_broker.process.kill()  # the broker dies; memory storage: the two events are gone
    own_broker.process.wait()
    own_broker.restart()
    consumer.close()
    relay.reset_producer()
    wait_until(lambda: succeeds(lambda: ensure_topics(bootstrap, [topic])), timeout=20)
    wait_until(lambda: succeeds(reporter.flush), timeout=20)  # heartbeat on the new broker
    before = UNCONFIRMED.labels("registry")._value.get()
    time.sleep(0.6)
    requeued = 0

    def detected() -> bool:
        nonlocal requeued
        requeued += watch.check()
        return requeued > 0

    wait_until(lambda: succeeds(detected) and requeued > 0, timeout=20)
    assert requeued == 2
    assert UNCONFIRMED.labels("registry")._value.get() - before == 2
    assert drain(relay) == 2
    wait_until(lambda: (consumer.poll_once(200), len(applied) == 4)[1], timeout=30)
    consumer.close()
    assert sorted(applied) == sorted(read + lost)  # each once, the lost ones included
    assert consumer.stats.duplicates == 0  # the confirmed ones were not sent again
