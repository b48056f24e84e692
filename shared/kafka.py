"""kafka-python client factories with settings that suit both Apache Kafka and the test broker."""

import logging
import time
from collections.abc import Iterable
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError, TopicAlreadyExistsError

log = logging.getLogger(__name__)

DEFAULT_PARTITIONS = 4
# A client waits this long for an unreachable broker before raising (the library's 30 s
# default would keep a worker deaf to SIGTERM for most of its grace period).
BOOTSTRAP_TIMEOUT_MS = 5_000

# Authentication options of this process's Kafka user (one service per process), set once at
# start-up from the settings by relay_main / consumer_main: see ``use_client_options``.
_CLIENT_OPTIONS: dict[str, Any] = {}


def use_client_options(options: dict[str, Any]) -> None:
    _CLIENT_OPTIONS.clear()
    _CLIENT_OPTIONS.update(options)


def make_producer(bootstrap: list[str], **overrides: Any) -> KafkaProducer:
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "acks": "all",
        # The outbox already gives at-least-once and consumers are idempotent; Kafka's own
        # idempotence adds a producer id that becomes unusable when a broker loses its state.
        "enable_idempotence": False,
        "max_in_flight_requests_per_connection": 1,
        "retries": 3,
        "linger_ms": 5,
        "request_timeout_ms": 10_000,
        "max_block_ms": 10_000,
        "reconnect_backoff_max_ms": 2_000,
        "bootstrap_timeout_ms": BOOTSTRAP_TIMEOUT_MS,
        **_CLIENT_OPTIONS,
    }
    config.update(overrides)
    return KafkaProducer(**config)


def close_producer(producer: KafkaProducer, timeout: float = 1.0) -> None:
    """Close, abandoning what the broker did not take within ``timeout``.

    kafka-python's ``close`` flushes first and raises when records are still pending (the broker
    is down), leaving its sender thread running and ``__del__`` to fail again later. The outbox
    still holds those rows unsent, so they are published again: abandon them.
    """
    try:
        producer.close(timeout=timeout)
    except KafkaError:
        sender = getattr(producer, "_sender", None)  # no public force-close in kafka-python
        if sender is not None:
            sender.force_close()  # aborts the pending batches, stops the network thread
            sender.join(timeout)
        producer.close(timeout=0)


def make_consumer(bootstrap: list[str], group_id: str, **overrides: Any) -> KafkaConsumer:
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "group_id": group_id,
        "enable_auto_commit": False,
        # 'latest' relies on end offsets, which the test broker gets wrong; consumers are
        # idempotent, so starting from the earliest retained message is always safe.
        "auto_offset_reset": "earliest",
        "session_timeout_ms": 6_000,
        "heartbeat_interval_ms": 1_000,
        "max_poll_records": 200,
        "reconnect_backoff_max_ms": 2_000,
        "request_timeout_ms": 30_000,
        "bootstrap_timeout_ms": BOOTSTRAP_TIMEOUT_MS,
        **_CLIENT_OPTIONS,
    }
    config.update(overrides)
    return KafkaConsumer(**config)


def make_admin(bootstrap: list[str]) -> KafkaAdminClient:
    return KafkaAdminClient(
        bootstrap_servers=bootstrap,
        request_timeout_ms=10_000,
        bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS,
        **_CLIENT_OPTIONS,
    )


def ensure_topics(
    bootstrap: list[str], topics: Iterable[str], partitions: int = DEFAULT_PARTITIONS
) -> None:
    """Create missing topics (an idempotent no-op for those that exist)."""
    admin = make_admin(bootstrap)
    try:
        existing = set(admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if not missing:
            return
        try:
            admin.create_topics(
                [NewTopic(t, num_partitions=partitions, replication_factor=1) for t in missing]
            )
        except TopicAlreadyExistsError:
            pass
        except KafkaError as exc:  # a concurrent creator may have won for some topics
            log.warning("create_topics: %s", exc)
    finally:
        admin.close()


def read_topic(
    bootstrap: str, topic: str, *, settle: float = 1.0, timeout: float = 20
) -> list[ConsumerRecord]:
    """Every message on ``topic`` from the beginning, once no new one arrived for ``settle`` s.

    Reads without a consumer group (no join delay, nothing committed): for operations tools
    (DLQ inspection) and tests."""
    consumer = KafkaConsumer(
        bootstrap_servers=[bootstrap],
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=int(settle * 1000),
    )
    try:
        deadline = time.monotonic() + timeout
        partitions = None
        while partitions is None and time.monotonic() < deadline:
            partitions = consumer.partitions_for_topic(topic)
            if partitions is None:
                time.sleep(0.2)
        if not partitions:
            return []
        tps = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        messages: list[ConsumerRecord] = []
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < settle and time.monotonic() < deadline:
            batch = consumer.poll(timeout_ms=200)
            for records in batch.values():
                messages.extend(records)
                quiet_since = time.monotonic()
        return messages
    finally:
        consumer.close()
