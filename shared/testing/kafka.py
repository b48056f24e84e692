"""Reading topics in tests without a consumer group (no join delay, nothing committed)."""

import time

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord


def read_topic(
    bootstrap: str, topic: str, *, settle: float = 1.0, timeout: float = 20
) -> list[ConsumerRecord]:
    """Every message on ``topic`` from the beginning, once no new one arrived for ``settle`` s."""
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


def wait_until(condition, timeout: float = 30, interval: float = 0.1) -> None:  # type: ignore[no-untyped-def]
    """Poll ``condition`` until true; fail with AssertionError after ``timeout`` (liveness only)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
