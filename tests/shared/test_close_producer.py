"""A producer dropped while the broker is down really closes: no sender thread left retrying,
no second failure from its finaliser."""

import uuid

import pytest
from kafka.errors import KafkaError

from devtools.testing.broker import TestBroker
from shared.kafka import close_producer, ensure_topics, make_producer


def test_a_producer_with_pending_records_closes_when_the_broker_is_gone(
    own_broker: TestBroker,
) -> None:
    topic = f"t-close-{uuid.uuid4().hex[:8]}"
    ensure_topics([own_broker.bootstrap], [topic], partitions=1)
    producer = make_producer([own_broker.bootstrap])
    producer.send(topic, value=b"before").get(timeout=10)
    own_broker.stop()
    pending = producer.send(topic, value=b"during the outage")
    with pytest.raises(KafkaError):
        producer.close(timeout=1)  # kafka-python alone: flush times out, nothing is closed

    close_producer(producer)

    assert producer._closed  # its finaliser has nothing left to do
    assert not producer._sender.is_alive()  # no network thread left retrying the broker
    assert pending.is_done and pending.failed()  # abandoned (the outbox still holds the row)
