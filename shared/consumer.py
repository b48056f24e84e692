"""The idempotent consumer.

For each poll: parse the envelopes, then in ONE database transaction record the batch's event
ids in ``processed_events`` (those recorded before are duplicates and skipped) and apply the
handler's effects (through ``shared.dispatch.Dispatcher``); if any message fails, the batch
rolls back and is applied again one message per transaction, so only the bad one is retried
and dead-lettered. Offsets are
committed to Kafka only after the database commit, so a crash in between redelivers the
message and the recorded id turns the redelivery into a no-op. A message whose handler keeps
failing goes to the consumer's dead-letter topic with the error after ``max_attempts`` and the
stream moves on. Database outages are not the message's fault: those are retried, never
dead-lettered.
"""

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import Select, Table, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_when_event_set,
    wait_exponential_jitter,
)

from shared.clock import as_utc, utcnow
from shared.db import WRITE, is_database_unavailable, is_sqlite
from shared.dispatch import correlated
from shared.events import EventEnvelope, dead_letter_topic
from shared.observability import OutageLog
from shared.processes import sleeper

if TYPE_CHECKING:
    from shared.settings import ServiceSettings

log = logging.getLogger(__name__)

PROCESSED = Counter("consumer_processed_total", "Events applied", ["consumer", "event_type"])
DUPLICATES = Counter("consumer_duplicates_total", "Redelivered events skipped", ["consumer"])
FAILED = Counter("consumer_failed_attempts_total", "Failed handling attempts", ["consumer"])
BATCH_FALLBACKS = Counter(
    "consumer_batch_fallbacks_total",
    "Batches rolled back and applied one message at a time (a message in them failed)",
    ["consumer"],
)
DEAD_LETTERED = Counter("consumer_dead_lettered_total", "Events sent to the DLQ", ["consumer"])
LAG = Gauge(
    "consumer_lag", "Messages behind the high-water mark", ["consumer", "topic", "partition"]
)
ASSIGNED = Gauge(
    "consumer_assigned_partitions",
    "Partitions assigned to this consumer (0 until it has joined its group)",
    ["consumer"],
)
PROPAGATION = Histogram(
    "consumer_propagation_delay_seconds",
    "From event occurred_at to its effect committed",
    ["consumer", "event_type"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600),
)

Handler = Callable[[Session, EventEnvelope], None]


@runtime_checkable
class BatchHandler(Protocol):
    """A handler that can also apply a batch itself (``shared.dispatch.Dispatcher``)."""

    def __call__(self, session: Session, envelope: EventEnvelope) -> None: ...

    def apply_many(self, session: Session, envelopes: Sequence[EventEnvelope]) -> None: ...


class PoisonMessage(Exception):
    """A message that can never be handled (unparseable, unknown contract)."""


class ConsumerStopping(Exception):
    """SIGTERM arrived while the database was down: leave the batch uncommitted (it is
    redelivered after the restart), never count the outage against the message."""


@dataclass(frozen=True)
class Delivery:
    raw: bytes
    origin: str  # topic/partition@offset
    envelope: EventEnvelope


@dataclass
class ConsumerStats:
    processed: int = 0
    duplicates: int = 0
    dead_lettered: int = 0


class IdempotentConsumer:
    def __init__(
        self,
        *,
        name: str,
        topics: list[str],
        engine: Engine,
        processed_table: Table,
        handler: Handler,
        consumer_factory: Callable[[], KafkaConsumer],
        producer_factory: Callable[[], KafkaProducer],
        max_attempts: int = 3,
        retry_delay: float = 0.2,
        dlq_topic: str | None = None,
        on_handled: Callable[[str, str], None] | None = None,
    ) -> None:
        """``on_handled(origin, event_id)``: the event is applied, a duplicate or dead-lettered
        (``shared.consumer_positions`` confirms it to the producer's relay)."""
        self.name = name
        self.on_handled = on_handled
        self.topics = topics
        self.engine = engine.execution_options(**WRITE) if is_sqlite(engine) else engine
        self.processed = processed_table
        self.handler = handler
        self.consumer_factory = consumer_factory
        self.producer_factory = producer_factory
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.dlq_topic = dlq_topic or dead_letter_topic(name)
        self.stats = ConsumerStats()
        self._consumer: KafkaConsumer | None = None
        self._producer: KafkaProducer | None = None
        self.stop = threading.Event()
        self.database_log = OutageLog(log, f"{name}: database")

    # -- one message ----------------------------------------------------------------------
    def handle_raw(self, raw: bytes, *, origin: str = "") -> None:
        """Apply one message exactly once, or dead-letter it. Raises only on infra failure."""
        delivery = self._parse(raw, origin)
        if delivery is not None:
            self._handle_one(delivery)

    def _parse(self, raw: bytes, origin: str) -> Delivery | None:
        try:
            return Delivery(raw, origin, EventEnvelope.from_bytes(raw))
        except ValueError as exc:
            self._dead_letter(raw, exc, origin=origin, attempts=1)
            return None

    def _handle_one(self, delivery: Delivery) -> None:
        with correlated(delivery.envelope):
            self._handle(delivery.envelope, delivery.raw, delivery.origin)
        self._confirm(delivery)

    def _confirm(self, delivery: Delivery) -> None:
        """Tell the positions reporter the event is settled (applied, duplicate or dead-lettered)."""
        if self.on_handled is not None:
            self.on_handled(delivery.origin, str(delivery.envelope.event_id))

    def _handle(self, envelope: EventEnvelope, raw: bytes, origin: str) -> None:
        last_error: BaseException | None = None
        for attempt in range(1, self.max_attempts + 1):
            try:
                self._with_db_retry(lambda: self._apply(envelope))
                return
            except PoisonMessage as exc:
                last_error = exc
                break
            except ConsumerStopping:
                raise
            except Exception as exc:  # noqa: BLE001 - any handler bug counts as an attempt
                last_error = exc
                FAILED.labels(self.name).inc()
                log.warning(
                    "%s: attempt %d/%d for %s failed: %s",
                    self.name,
                    attempt,
                    self.max_attempts,
                    envelope.event_id,
                    exc,
                )
                time.sleep(self.retry_delay * attempt)
        assert last_error is not None
        self._dead_letter(raw, last_error, origin=origin, attempts=self.max_attempts)

    def _apply(self, envelope: EventEnvelope) -> None:
        event_id = str(envelope.event_id)
        try:
            with Session(self.engine) as session, session.begin():
                if session.execute(self._processed_query([event_id])).first():
                    self._count_duplicates(1)
                    return
                self.handler(session, envelope)
                row = self._processed_row(envelope, utcnow())
                session.execute(insert(self.processed).values(row))
        except IntegrityError:
            # A concurrent instance recorded the same event first: its effect stands.
            if self._already_processed(event_id):
                self._count_duplicates(1)
                return
            raise
        self._count_processed(envelope)

    # -- a poll's batch -------------------------------------------------------------------
    def handle_batch(self, messages: Sequence[tuple[bytes, str]]) -> None:
        """Apply a poll's messages ``(raw, origin)`` in ONE transaction (each event still
        recorded as processed, each handler call under its own correlation id). If any
        handler fails, the whole transaction rolls back and the batch is applied again one
        message per transaction, so a poison message is retried and dead-lettered alone and
        the good ones around it take effect."""
        deliveries = [d for raw, origin in messages if (d := self._parse(raw, origin))]
        if len(deliveries) <= 1:
            for delivery in deliveries:
                self._handle_one(delivery)
            return
        try:
            self._with_db_retry(lambda: self._apply_batch(deliveries))
        except ConsumerStopping:
            raise
        except Exception as exc:  # noqa: BLE001 - some message failed: isolate it
            BATCH_FALLBACKS.labels(self.name).inc()
            log.warning(
                "%s: batch of %d failed (%s: %s); applying its messages one by one",
                self.name,
                len(deliveries),
                type(exc).__name__,
                exc,
            )
            for delivery in deliveries:
                self._handle_one(delivery)

    def _apply_batch(self, deliveries: list[Delivery]) -> None:
        with Session(self.engine) as session, session.begin():
            fresh = self._claim(session, [d.envelope for d in deliveries])
            applied = []
            for delivery in deliveries:
                event_id = str(delivery.envelope.event_id)
                if event_id in fresh:
                    fresh.discard(event_id)  # the same event twice in one batch: applied once
                    applied.append(delivery)
            self._apply_many(session, [d.envelope for d in applied])
        self._count_duplicates(len(deliveries) - len(applied))
        for delivery in applied:
            self._count_processed(delivery.envelope)
        for delivery in deliveries:
            self._confirm(delivery)

    def _claim(self, session: Session, envelopes: list[EventEnvelope]) -> set[str]:
        """Record the batch's events as processed first, in one statement that returns those
        not recorded before: the unique key decides (no read whose plan depends on the table's
        statistics), and a concurrent instance's uncommitted claim makes this one wait for its
        outcome. The rows commit or roll back with the effects."""
        now = utcnow()
        rows = {str(e.event_id): self._processed_row(e, now) for e in envelopes}
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        stmt = (
            dialect.insert(self.processed)
            .on_conflict_do_nothing()
            .returning(self.processed.c.event_id)
        )
        return set(session.scalars(stmt, list(rows.values())))

    def _apply_many(self, session: Session, envelopes: list[EventEnvelope]) -> None:
        if isinstance(self.handler, BatchHandler):
            self.handler.apply_many(session, envelopes)
            return
        for envelope in envelopes:
            with correlated(envelope):
                self.handler(session, envelope)
                session.flush()  # a failing statement is this event's, not a later one's

    # -- shared by both paths -------------------------------------------------------------
    def _with_db_retry(self, apply: Callable[[], None]) -> None:
        """Retry while the database is unavailable, polling at most every 2 s so the consumer
        resumes within 2 s of its return; stop retrying (without failing the message) on
        SIGTERM."""
        retrying = Retrying(
            retry=retry_if_exception(is_database_unavailable),
            wait=wait_exponential_jitter(multiplier=0.2, max=2),
            stop=stop_when_event_set(self.stop),
            sleep=sleeper(self.stop),
            before_sleep=self._database_unavailable,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    apply()
        except Exception as exc:
            if self.stop.is_set() and is_database_unavailable(exc):
                raise ConsumerStopping from exc
            raise
        self.database_log.recovered()

    def _database_unavailable(self, state: RetryCallState) -> None:
        if state.outcome is not None:
            self.database_log.failed(state.outcome.exception())

    def _processed_query(self, event_ids: list[str]) -> Select[str]:
        column = self.processed.c.event_id
        return select(column).where(self.processed.c.consumer == self.name, column.in_(event_ids))

    def _processed_row(self, envelope: EventEnvelope, now: datetime) -> dict[str, object]:
        return {
            "consumer": self.name,
            "event_id": str(envelope.event_id),
            "event_type": envelope.event_type,
            "processed_at": now,
        }

    def _already_processed(self, event_id: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(self._processed_query([event_id])).first() is not None

    def _count_duplicates(self, count: int) -> None:
        if count:
            DUPLICATES.labels(self.name).inc(count)
            self.stats.duplicates += count

    def _count_processed(self, envelope: EventEnvelope) -> None:
        PROCESSED.labels(self.name, envelope.event_type).inc()
        PROPAGATION.labels(self.name, envelope.event_type).observe(
            max(0.0, (utcnow() - as_utc(envelope.occurred_at)).total_seconds())
        )
        self.stats.processed += 1

    def _dead_letter(self, raw: bytes, exc: BaseException, *, origin: str, attempts: int) -> None:
        headers = [
            ("error", f"{type(exc).__name__}: {exc}"[:4000].encode()),
            ("origin", origin.encode()),
            ("attempts", str(attempts).encode()),
            ("consumer", self.name.encode()),
            ("dead_lettered_at", utcnow().isoformat().encode()),
        ]
        if self._producer is None:
            self._producer = self.producer_factory()
        # keyed by origin partition so a partition's dead letters stay in order
        self._producer.send(
            self.dlq_topic,
            key=origin.rsplit("@", 1)[0].encode() or None,
            value=raw,
            headers=headers,
        ).get(timeout=15)
        DEAD_LETTERED.labels(self.name).inc()
        self.stats.dead_lettered += 1
        log.error("%s: dead-lettered message from %s: %s", self.name, origin, exc)

    # -- the loop -------------------------------------------------------------------------
    def poll_once(self, timeout_ms: int = 500) -> int:
        if self._consumer is None:
            self._consumer = self.consumer_factory()
            self._consumer.subscribe(self.topics)
        batches = self._consumer.poll(timeout_ms=timeout_ms)
        messages = [
            (msg.value, f"{tp.topic}/{tp.partition}@{msg.offset}")
            for tp, records in batches.items()
            for msg in records
        ]
        count = len(messages)
        if count:
            self.handle_batch(messages)
            self._consumer.commit()  # only after every effect above is committed
        self._record_lag()
        return count

    def _record_lag(self) -> None:
        """Lag from the consumer's own view: last fetched high-water mark minus position.
        (The test broker's end-offset API is unreliable, so we never ask the broker.)"""
        assert self._consumer is not None
        assignment = self._consumer.assignment()
        ASSIGNED.labels(self.name).set(len(assignment))
        for tp in assignment:
            highwater = self._consumer.highwater(tp)
            if highwater is None:
                continue
            position = self._consumer.position(tp)
            LAG.labels(self.name, tp.topic, str(tp.partition)).set(max(0, highwater - position))

    def run(self, stop: threading.Event) -> None:
        self.stop = stop
        while not stop.is_set():
            try:
                self.poll_once()
            except ConsumerStopping:
                break
            except KafkaError as exc:
                # Broker gone or the group rebalanced: rebuild the client, resume from the
                # last committed offsets; uncommitted messages come again and are deduplicated.
                log.warning("%s: broker error, reconnecting: %s", self.name, exc)
                self.close()
                stop.wait(1)
        self.close()

    def close(self) -> None:
        for client in (self._consumer, self._producer):
            if client is not None:
                try:
                    client.close()
                except Exception:  # noqa: BLE001
                    log.debug("close failed", exc_info=True)
        self._consumer = None
        self._producer = None


def run_consumer_process(
    *,
    name: str,
    topics: list[str],
    engine: Engine,
    processed_table: Table,
    handler: Handler,
    bootstrap: list[str],
    metrics_port: int = 0,
    instance_id: str = "",
) -> None:
    """Body of every service's ``entrypoints/consumer.py``: run until SIGTERM."""
    from shared.kafka import ensure_topics, make_consumer, make_producer
    from shared.observability import serve_metrics
    from shared.processes import stop_on_signals

    serve_metrics(metrics_port)
    stop = stop_on_signals()
    broker_log = OutageLog(log, f"{name}: broker")
    try:
        for attempt in Retrying(
            wait=wait_exponential_jitter(multiplier=0.5, max=5),
            stop=stop_when_event_set(stop),
            sleep=sleeper(stop),
            retry=retry_if_exception(lambda e: isinstance(e, KafkaError | OSError)),
            before_sleep=lambda state: broker_log.failed(
                state.outcome.exception() if state.outcome else None
            ),
            reraise=True,
        ):
            with attempt:  # the broker may not be up yet; topics must exist before subscribing
                ensure_topics(bootstrap, [*topics, dead_letter_topic(name)])
    except (KafkaError, OSError):
        if stop.is_set():
            return  # SIGTERM while waiting for the broker
        raise
    broker_log.recovered()
    from shared.consumer_positions import PositionReporter, kafka_publisher

    reporter = PositionReporter(name, topics, kafka_publisher(bootstrap))
    threading.Thread(target=reporter.run, args=(stop,), name="confirmations", daemon=True).start()
    consumer = IdempotentConsumer(
        name=name,
        topics=topics,
        engine=engine,
        processed_table=processed_table,
        handler=handler,
        consumer_factory=lambda: make_consumer(
            bootstrap, name, group_instance_id=instance_id or None
        ),
        producer_factory=lambda: make_producer(bootstrap),
        on_handled=reporter.confirm,
    )
    log.info("%s consuming %s", name, topics)
    consumer.run(stop)


def consumer_main(
    *,
    name: str,
    settings: "ServiceSettings",
    topics: list[str],
    processed_table: Table,
    make_handler: Callable[[Engine], Handler],
) -> None:
    """Body of every service's ``entrypoints/consumer.py``."""
    from shared.db import make_engine
    from shared.observability import configure_logging

    configure_logging(name, settings.log_level, settings.log_json)
    from shared.kafka import use_client_options

    use_client_options(settings.kafka_client_options)  # this service's Kafka user (SASL)
    engine = make_engine(settings.database_url)
    run_consumer_process(
        name=name,
        topics=topics,
        engine=engine,
        processed_table=processed_table,
        handler=make_handler(engine),
        bootstrap=settings.bootstrap_servers,
        metrics_port=settings.metrics_port,
        instance_id=settings.consumer_instance_id,
    )
