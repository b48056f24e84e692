"""The registry's outbox, relay and the kernel's idempotent consumer against the real broker."""

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from kafka.errors import KafkaError
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from devtools.testing.broker import TestBroker
from devtools.testing.kafka import read_topic, wait_until
from devtools.testing.relay import drain, relay_for_tests
from services.registry.adapters.orm import HolderSanctionRow, outbox, processed_events
from shared import dlq
from shared.clock import utcnow
from shared.consumer import IdempotentConsumer
from shared.contracts.registry import CertificateIssuedV1
from shared.events import EventEnvelope, contracts
from shared.kafka import ensure_topics, make_consumer, make_producer
from shared.relay import OutboxRelay
from tests.registry.conftest import certificate

pytestmark = pytest.mark.broker


def relay_for(engine: Engine, broker: TestBroker) -> OutboxRelay:
    return relay_for_tests("registry", engine, outbox, broker.bootstrap)


def unsent(engine: Engine) -> int:
    with engine.connect() as conn:
        return outbox.backlog(conn)[0]


def issued_events(broker: TestBroker, numbers: set[str]) -> list[EventEnvelope]:
    found = [
        EventEnvelope.from_bytes(m.value) for m in read_topic(broker.bootstrap, "registry.events")
    ]
    return [
        e for e in found if e.event_type == CertificateIssuedV1.EVENT_TYPE and e.subject in numbers
    ]


def test_issued_certificate_arrives_once_with_valid_envelope(
    client: TestClient, bodies: None, as_body_a: dict[str, str], engine: Engine, broker: TestBroker
) -> None:
    number = f"CCC-K-{uuid.uuid4().hex[:8].upper()}"  # numbers are stored in canonical form
    assert (
        client.post("/certificates", headers=as_body_a, json=certificate(number)).status_code == 201
    )
    relay = relay_for(engine, broker)
    assert drain(relay) >= 1
    assert drain(relay) == 0  # marked sent: a second pass publishes nothing
    events = issued_events(broker, {number})
    assert len(events) == 1
    event = events[0]
    assert event.producer == "registry" and event.schema_version == 1
    payload = contracts.parse(event)
    assert isinstance(payload, CertificateIssuedV1) and payload.number == number
    message = next(
        m for m in read_topic(broker.bootstrap, "registry.events") if m.key == number.encode()
    )
    assert dict(message.headers)["event_type"] == b"registry.certificate.issued"
    relay.reset_producer()


def test_writes_during_broker_outage_are_delivered_and_replay_covers_lost_data(
    client: TestClient,
    bodies: None,
    as_body_a: dict[str, str],
    engine: Engine,
    own_broker: TestBroker,
) -> None:
    relay = relay_for(engine, own_broker)
    before = {f"CCC-B-{uuid.uuid4().hex[:8].upper()}" for _ in range(2)}
    for n in before:
        client.post("/certificates", headers=as_body_a, json=certificate(n))
    drain(relay)
    assert len(issued_events(own_broker, before)) == 2

    own_broker.stop()
    during = {f"CCC-D-{uuid.uuid4().hex[:8].upper()}" for _ in range(3)}
    for n in during:  # the API keeps working: events wait in the outbox
        assert (
            client.post("/certificates", headers=as_body_a, json=certificate(n)).status_code == 201
        )
    with pytest.raises((KafkaError, OSError)):
        relay.publish_batch()
    relay.reset_producer()
    assert unsent(engine) >= 3

    own_broker.restart()  # memory storage: the two earlier events are gone from the broker
    stop = threading.Event()
    worker = threading.Thread(target=relay.run, args=(stop,), daemon=True)
    worker.start()
    try:
        wait_until(lambda: unsent(engine) == 0)
        # at-least-once on the wire (a retried send may land twice); consumers dedupe by id
        assert {e.subject for e in issued_events(own_broker, during)} == during
        assert issued_events(own_broker, before) == []
        with engine.begin() as conn:
            assert outbox.mark_for_replay(conn, since=utcnow().replace(year=2000)) > 0
        wait_until(lambda: unsent(engine) == 0)
    finally:
        stop.set()
        worker.join(10)
    replayed = issued_events(own_broker, before | during)
    assert {e.subject for e in replayed} == before | during
    # the replay republished every retained row; copies carry the same event id, so
    # idempotent consumers apply each certificate's event exactly once
    ids_by_subject: dict[str, set[str]] = {}
    for e in replayed:
        ids_by_subject.setdefault(e.subject, set()).add(str(e.event_id))
    assert all(len(ids) == 1 for ids in ids_by_subject.values())


@contextmanager
def running(consumer: IdempotentConsumer) -> Iterator[None]:
    stop = threading.Event()
    worker = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
    worker.start()
    try:
        yield
    finally:
        stop.set()
        worker.join(15)


BUGGY = {"on": True}  # the handler's "bug", fixed before a redrive


def sanction_handler(session: Session, envelope: EventEnvelope) -> None:
    """A test effect: one sanction row per event; fails on demand to exercise the DLQ."""
    if envelope.payload.get("explode") and BUGGY["on"]:
        raise ValueError("handler cannot process this event")
    session.add(
        HolderSanctionRow(
            holder_uscc=envelope.subject,
            listing_id=str(envelope.event_id),
            measure_code="test",
            measure_name="test",
            legal_basis="test",
            started_at=utcnow(),
        )
    )


def consumer_for(engine: Engine, broker: TestBroker, topic: str) -> IdempotentConsumer:
    name = f"test-{uuid.uuid4().hex[:8]}"
    return IdempotentConsumer(
        name=name,
        topics=[topic],
        engine=engine,
        processed_table=processed_events,
        handler=sanction_handler,
        max_attempts=2,
        retry_delay=0.01,
        consumer_factory=lambda: make_consumer([broker.bootstrap], name),
        producer_factory=lambda: make_producer([broker.bootstrap]),
    )


def envelope(subject: str, **payload: object) -> EventEnvelope:
    return EventEnvelope(
        event_type="test.happened",
        schema_version=1,
        producer="test",
        subject=subject,
        payload=payload,
    )


def sanctions(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(HolderSanctionRow)).scalar_one()


def test_redelivered_event_has_a_single_effect(engine: Engine, broker: TestBroker) -> None:
    topic = f"test-redelivery-{uuid.uuid4().hex[:6]}"
    ensure_topics([broker.bootstrap], [topic])
    event = envelope("91330100MA2ABCDEXG")
    producer = make_producer([broker.bootstrap])
    for _ in range(3):  # the same event, delivered three times
        producer.send(topic, key=b"k", value=event.to_bytes())
    producer.flush()
    consumer = consumer_for(engine, broker, topic)
    with running(consumer):
        wait_until(lambda: consumer.stats.processed + consumer.stats.duplicates == 3)
    assert sanctions(engine) == 1
    assert consumer.stats.duplicates == 2
    with engine.connect() as conn:
        recorded = (
            conn.execute(
                select(processed_events.c.event_id).where(
                    processed_events.c.consumer == consumer.name
                )
            )
            .scalars()
            .all()
        )
    assert recorded == [str(event.event_id)]


def test_poison_messages_go_to_the_dead_letter_topic_and_the_stream_flows(
    engine: Engine, broker: TestBroker
) -> None:
    topic = f"test-poison-{uuid.uuid4().hex[:6]}"
    ensure_topics([broker.bootstrap], [topic])
    producer = make_producer([broker.bootstrap])
    producer.send(topic, key=b"a", value=b"{not an envelope")
    producer.send(topic, key=b"a", value=envelope("S1", explode=True).to_bytes())
    good = envelope("91330100MA2ABCDEXG")
    producer.send(topic, key=b"a", value=good.to_bytes())
    producer.flush()
    consumer = consumer_for(engine, broker, topic)
    with running(consumer):
        wait_until(lambda: consumer.stats.processed == 1 and consumer.stats.dead_lettered == 2)
    assert sanctions(engine) == 1
    dead = read_topic(broker.bootstrap, consumer.dlq_topic)
    assert len(dead) == 2
    errors = [dict(m.headers)["error"].decode() for m in dead]
    assert any("ValidationError" in e for e in errors)
    assert any("handler cannot process" in e for e in errors)
    failing = next(m for m in dead if b"handler cannot" in dict(m.headers)["error"])
    assert dict(failing.headers)["attempts"] == b"2"

    # the runbook: inspect, fix the cause, redrive; the fixed message is applied once
    letters = dlq.inspect(broker.bootstrap, consumer.name)
    assert {str(letter["origin"]).split("/")[0] for letter in letters} == {topic}
    BUGGY["on"] = False
    try:
        assert dlq.redrive(broker.bootstrap, consumer.name) == 2
        with running(consumer):
            wait_until(lambda: consumer.stats.processed == 2 and consumer.stats.dead_lettered == 3)
    finally:
        BUGGY["on"] = True
    assert sanctions(engine) == 2


def test_offsets_survive_a_consumer_restart(engine: Engine, broker: TestBroker) -> None:
    topic = f"test-restart-{uuid.uuid4().hex[:6]}"
    ensure_topics([broker.bootstrap], [topic])
    producer = make_producer([broker.bootstrap])
    for i in range(5):
        producer.send(topic, value=envelope(f"U{i}").to_bytes())
    producer.flush()
    first = consumer_for(engine, broker, topic)
    with running(first):
        wait_until(lambda: first.stats.processed == 5)
    for i in range(5, 8):
        producer.send(topic, value=envelope(f"U{i}").to_bytes())
    producer.flush()
    second = IdempotentConsumer(  # same group name: resumes from committed offsets
        name=first.name,
        topics=[topic],
        engine=engine,
        processed_table=processed_events,
        handler=sanction_handler,
        consumer_factory=lambda: make_consumer([broker.bootstrap], first.name),
        producer_factory=lambda: make_producer([broker.bootstrap]),
    )
    with running(second):
        wait_until(lambda: second.stats.processed == 3)
    assert sanctions(engine) == 8
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM processed_events")).scalar() == 8


def test_concurrent_relays_never_publish_a_row_twice(engine: Engine, broker: TestBroker) -> None:
    """Several relay instances on one outbox: on PostgreSQL each claims its batch with
    SKIP LOCKED, on SQLite under the write lock; every row reaches the broker exactly once."""
    from shared.outbox import OutboxMessage

    topic = f"test-relays-{uuid.uuid4().hex[:6]}"
    ensure_topics([broker.bootstrap], [topic])
    messages = [OutboxMessage(topic, envelope(f"S{i}")) for i in range(300)]
    with engine.begin() as conn:
        outbox.append(conn, messages)
    relays = [relay_for(engine, broker) for _ in range(3)]
    for relay in relays:
        relay.batch_size = 10  # small batches: the relays interleave
        assert relay.producer is not None  # connect before the race starts
    sent = [0, 0, 0]
    start = threading.Barrier(3)

    def work(i: int) -> None:
        start.wait()
        sent[i] = drain(relays[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(sent) == 300 and unsent(engine) == 0
    if engine.dialect.name == "postgresql":  # SKIP LOCKED lets them work side by side
        assert sum(1 for s in sent if s) >= 2, sent
    on_wire = [
        EventEnvelope.from_bytes(m.value).event_id for m in read_topic(broker.bootstrap, topic)
    ]
    assert len(on_wire) == 300 and len(set(on_wire)) == 300
    for relay in relays:
        relay.reset_producer()
