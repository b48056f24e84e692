"""Broker loss seen from the consumers' side: republish what no live consumer confirmed.

The topic epoch marker (``shared.broker_epoch``) notices a broker rebuilt from nothing. This
second watch needs no marker: every consumer confirms the events it has handled (applied,
skipped as duplicates or dead-lettered, i.e. recorded in its processed-event tracking) on
``_confirmed.<topic>``, and sends the same message empty as a heartbeat. The producing
service's relay compares these confirmed positions with the ids it marked sent: a row sent
more than ``grace`` seconds ago that a consumer alive at the time has not confirmed was lost
on the way (the broker acknowledged it, then lost it), so the row is queued again, counted in
``relay_unconfirmed_republished_total`` (the alert) and logged. Consumers skip what they had
already applied and confirm it, so a slow consumer costs at most a duplicate, never an effect.
Each sent row is examined once (a watermark on ``sent_at``); a republished row is examined
again after it is sent again.
"""

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from prometheus_client import Counter
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from shared.clock import as_utc, utcnow
from shared.kafka import close_producer, ensure_topics, make_consumer, make_producer
from shared.observability import OutageLog
from shared.outbox import Outbox

log = logging.getLogger(__name__)

UNCONFIRMED = Counter(
    "relay_unconfirmed_republished_total",
    "Sent outbox rows a live consumer never confirmed (lost by the broker), queued again",
    ["service"],
)

Publish = Callable[[str, bytes], None]  # (topic, value), waits for the acknowledgement
ReadConfirmations = Callable[[], Iterable[bytes]]  # confirmation messages since the last call


def confirmations_topic(topic: str) -> str:
    return f"_confirmed.{topic}"


class PositionReporter:
    """Consumer side: buffers handled event ids per topic and publishes them (or a heartbeat)."""

    def __init__(self, consumer: str, topics: list[str], publish: Publish) -> None:
        self.consumer, self.topics, self.publish = consumer, topics, publish
        self._handled: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def confirm(self, origin: str, event_id: str) -> None:
        """``origin`` is the consumer's ``topic/partition@offset``."""
        topic = origin.rsplit("/", 1)[0]
        with self._lock:
            self._handled.setdefault(topic, []).append(event_id)

    def flush(self) -> None:
        with self._lock:
            handled, self._handled = self._handled, {}
        try:
            for topic in sorted({*self.topics, *handled}):
                body = {"consumer": self.consumer, "event_ids": handled.get(topic, [])}
                self.publish(confirmations_topic(topic), json.dumps(body).encode())
        except Exception:
            with self._lock:  # keep them for the next flush
                for topic, ids in handled.items():
                    self._handled.setdefault(topic, [])[:0] = ids
            raise

    def run(self, stop: threading.Event, interval: float = 2.0) -> None:
        while not stop.wait(interval):
            try:
                self.flush()
            except Exception as exc:  # noqa: BLE001 - the broker is away: next round
                log.debug("%s: confirmations not sent: %s", self.consumer, exc)


@dataclass
class _Consumer:
    first_seen: datetime
    last_seen: datetime
    confirmed: set[str] = field(default_factory=set)


class ConfirmationWatch:
    """Relay side: republishes sent rows that a live consumer of ``topic`` never confirmed."""

    def __init__(
        self,
        *,
        service: str,
        engine: Engine,
        outbox: Outbox,
        topic: str,
        read: ReadConfirmations,
        grace: float = 60.0,
        liveness: float = 30.0,
    ) -> None:
        self.service, self.engine, self.outbox, self.topic = service, engine, outbox, topic
        self.read, self.grace, self.liveness = read, timedelta(seconds=grace), liveness
        self.consumers: dict[str, _Consumer] = {}
        self.feed_log = OutageLog(log, f"{service} relay: consumer confirmations")
        self.examined_through = utcnow()

    def ingest(self) -> None:
        now = utcnow()
        for raw in self.read():
            try:
                body = json.loads(raw)
                name, ids = str(body["consumer"]), [str(i) for i in body["event_ids"]]
            except (ValueError, KeyError, TypeError):
                continue
            state = self.consumers.setdefault(name, _Consumer(now, now))
            state.last_seen = now
            state.confirmed.update(ids)

    def check(self) -> int:
        """Rows queued again. A confirmation feed that cannot be read (broker away, no ACL)
        never holds up publishing: the round is skipped and nothing is judged."""
        try:
            self.ingest()
        except Exception as exc:  # noqa: BLE001 - judged again next round, with the backlog
            self.feed_log.failed(exc)  # one line per state change, not one per round
            return 0
        self.feed_log.recovered()
        now = utcnow()
        until = now - self.grace
        if until <= self.examined_through:
            return 0
        live = {
            n: c
            for n, c in self.consumers.items()
            if (now - c.last_seen).total_seconds() <= self.liveness + self.grace.total_seconds()
        }
        lost = self._unconfirmed(self.examined_through, until, live)
        if lost:
            self._requeue(lost)
        self.examined_through = until
        self._forget()
        return len(lost)

    def _unconfirmed(self, since: datetime, until: datetime, live: dict[str, _Consumer]) -> list:
        t = self.outbox.table
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.c.id, t.c.event_id, t.c.sent_at).where(
                    t.c.topic == self.topic, t.c.sent_at > since, t.c.sent_at <= until
                )
            ).all()
        return [
            r.id
            for r in rows
            if any(
                as_utc(r.sent_at) >= c.first_seen and r.event_id not in c.confirmed
                for c in live.values()
            )
        ]

    def _requeue(self, ids: list[int]) -> None:
        t = self.outbox.table
        with self.engine.begin() as conn:
            conn.execute(update(t).where(t.c.id.in_(ids)).values(sent_at=None))
        UNCONFIRMED.labels(self.service).inc(len(ids))
        log.error(
            "%s: %d sent events on %s were never confirmed by a live consumer (the broker "
            "lost them); queued for republishing",
            self.service,
            len(ids),
            self.topic,
        )

    def _forget(self) -> None:
        """Confirmations are only needed until their rows were examined; keep one grace more."""
        if sum(len(c.confirmed) for c in self.consumers.values()) > 100_000:
            for c in self.consumers.values():
                c.confirmed.clear()
                c.first_seen = utcnow()  # rows sent before are no longer judged by it


class Watch(Protocol):
    def check(self) -> int: ...


class BrokerLossWatches:
    """Several watches behind the relay's one ``epoch_watch`` hook: the sum of their requeues."""

    def __init__(self, *watches: Watch) -> None:
        self.watches = watches

    def check(self) -> int:
        return sum(w.check() for w in self.watches)


def kafka_publisher(bootstrap: list[str]) -> Publish:
    """Publishes confirmations; creates the topic again when the broker has lost it."""
    state: dict[str, KafkaProducer] = {}

    def publish(topic: str, value: bytes) -> None:
        if "p" not in state:
            ensure_topics(bootstrap, [topic], partitions=1)
            state["p"] = make_producer(bootstrap, max_block_ms=3_000)
        try:
            state["p"].send(topic, value=value).get(timeout=5)
        except Exception:
            close_producer(state.pop("p"))
            raise

    return publish


class KafkaConfirmationReader:
    """Reads a confirmations topic without a group; rebuilt after any broker error."""

    def __init__(self, bootstrap: list[str], topic: str, *, stale_after: float = 10.0) -> None:
        self.bootstrap, self.topic, self.stale_after = bootstrap, topic, stale_after
        self._consumer: KafkaConsumer | None = None
        self._last_message = time.monotonic()

    def __call__(self) -> list[bytes]:
        try:
            if self._consumer is None:
                ensure_topics(self.bootstrap, [self.topic], partitions=1)
                # no group: nothing to join or commit, every relay reads every confirmation
                self._consumer = make_consumer(self.bootstrap, None)  # type: ignore[arg-type]
                self._consumer.assign([TopicPartition(self.topic, 0)])
            batches = self._consumer.poll(timeout_ms=200)
            found = [m.value for records in batches.values() for m in records]
        except Exception:
            self.close()
            raise
        if found:
            self._last_message = time.monotonic()
        elif time.monotonic() - self._last_message > self.stale_after:
            # heartbeats come every few seconds: silence this long means a broker that came
            # back empty left this reader past the new log's end; read again from its start
            self.close()
            self._last_message = time.monotonic()
        return found

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None
