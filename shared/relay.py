"""The outbox relay: publishes unsent outbox rows to Kafka in id order and marks them sent.

Several relays may run against one database: on PostgreSQL each claims its batch with
``FOR UPDATE SKIP LOCKED`` and holds the row locks while publishing, so no row is published by
two relays at once; on SQLite the batch is claimed under the database write lock. A broker
outage rolls the batch back, recreates the producer and retries with backoff: nothing is lost,
and a row is marked sent only after the broker acknowledged it (acks=all).

A batch (up to 1,000 rows) is published as a batch: every row sent (queued in the producer),
one flush, then the whole batch marked sent in one statement.
"""

import argparse
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError
from prometheus_client import Counter, Histogram
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_when_event_set,
    wait_exponential_jitter,
)

from shared.clock import as_utc, utcnow
from shared.db import WRITE, is_database_unavailable, is_sqlite
from shared.kafka import close_producer, make_producer
from shared.observability import OutageLog
from shared.outbox import Outbox
from shared.processes import sleeper

if TYPE_CHECKING:
    from shared.consumer_positions import Watch
    from shared.settings import ServiceSettings

log = logging.getLogger(__name__)

PUBLISHED = Counter("outbox_published_total", "Outbox rows published", ["service"])
PUBLISH_ERRORS = Counter("outbox_publish_errors_total", "Failed publish batches", ["service"])
PUBLISH_DELAY = Histogram(
    "outbox_publish_delay_seconds",
    "Time from outbox row creation to broker acknowledgement",
    ["service"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
)


# A batch of outbox rows is sent as a few large produce requests (a replay or a backfill moves
# hundreds of thousands of rows); a lone event waits at most linger_ms longer.
BATCHING = {"linger_ms": 20, "batch_size": 256 * 1024}


class RelayStopping(Exception):
    """SIGTERM arrived while a batch waited for the broker: the batch is rolled back (its rows
    stay unsent and are published again later; consumers skip what already arrived)."""


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        engine: Engine,
        outbox: Outbox,
        producer_factory: Callable[[], KafkaProducer],
        batch_size: int = 1000,
        send_timeout: float = 15.0,
    ) -> None:
        self.service = service
        self.engine = engine
        self.outbox = outbox
        self.producer_factory = producer_factory
        self.batch_size = batch_size
        self.send_timeout = send_timeout
        self._producer: KafkaProducer | None = None
        self.stop = threading.Event()
        self.broker_log = OutageLog(log, f"{service} relay: broker")
        self.database_log = OutageLog(log, f"{service} relay: database")

    @property
    def producer(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = self.producer_factory()
        return self._producer

    def reset_producer(self) -> None:
        """Drop the producer after a failure; the next batch builds a fresh one."""
        if self._producer is not None:
            try:
                close_producer(self._producer)
            except Exception:  # noqa: BLE001 - a broken producer may fail to close; drop it anyway
                log.debug("closing broken producer failed", exc_info=True)
        self._producer = None

    def publish_batch(self) -> int:
        """Publish one batch; returns how many rows were sent. Raises KafkaError on failure."""
        t = self.outbox.table
        claim = (
            select(t.c.id, t.c.topic, t.c.message_key, t.c.body, t.c.created_at, t.c.event_type)
            .where(t.c.sent_at.is_(None))
            .order_by(t.c.id)
            .limit(self.batch_size)
        )
        engine = self.engine
        if is_sqlite(engine):
            engine = engine.execution_options(**WRITE)
        else:
            claim = claim.with_for_update(skip_locked=True)
        with engine.begin() as conn:
            rows = conn.execute(claim).all()
            if not rows:
                return 0
            producer = self.producer
            futures = [
                producer.send(
                    row.topic,
                    key=row.message_key.encode(),
                    value=row.body.encode(),
                    headers=[("event_type", row.event_type.encode())],
                )
                for row in rows
            ]
            self._await_acks(producer, futures)
            sent_at = utcnow()
            conn.execute(update(t).where(t.c.id.in_([r.id for r in rows])).values(sent_at=sent_at))
        PUBLISHED.labels(self.service).inc(len(rows))
        for row in rows:
            PUBLISH_DELAY.labels(self.service).observe(
                max(0.0, (sent_at - as_utc(row.created_at)).total_seconds())
            )
        return len(rows)

    def _await_acks(self, producer: KafkaProducer, futures: list) -> None:
        """One flush for the whole batch (the sends above only queued it), waited for in short
        slices so SIGTERM is noticed mid-batch; then every acknowledgement is checked."""
        deadline = time.monotonic() + self.send_timeout
        while not all(future.is_done for future in futures):
            if self.stop.is_set():
                raise RelayStopping
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise KafkaTimeoutError(f"no acknowledgement within {self.send_timeout} s")
            try:
                producer.flush(timeout=min(0.5, remaining))
            except KafkaTimeoutError:
                continue
        for future in futures:
            future.get()  # done: raises the broker's error, if any

    def _before_retry_sleep(self, state: RetryCallState) -> None:
        # tenacity only sleeps after a failed attempt, so the outcome is always set here
        if state.outcome is not None:
            self._record_failure(state.outcome.exception())

    def _record_failure(self, exc: BaseException | None) -> None:
        PUBLISH_ERRORS.labels(self.service).inc()
        self.broker_log.failed(exc)
        self.reset_producer()
        t = self.outbox.table
        try:
            with self.engine.begin() as conn:
                first = conn.execute(
                    select(t.c.id).where(t.c.sent_at.is_(None)).order_by(t.c.id).limit(1)
                ).scalar()
                if first is not None:
                    conn.execute(
                        update(t)
                        .where(t.c.id == first)
                        .values(attempts=t.c.attempts + 1, last_error=str(exc)[:2000])
                    )
        except Exception:  # noqa: BLE001 - bookkeeping only; the retry loop carries on
            log.debug("could not record publish failure", exc_info=True)

    def run(
        self,
        stop: threading.Event,
        *,
        idle_sleep: float = 0.1,
        chores: tuple[Callable[[], object], ...] = (),
        chore_interval: float = 3600,
        epoch_watch: "Watch | None" = None,
        epoch_interval: float = 5,
    ) -> None:
        """Publish until ``stop`` is set, surviving broker outages and database hiccups;
        run ``chores`` (the retention purge) every ``chore_interval`` seconds. Every wait
        watches ``stop``, so SIGTERM ends the loop within a second or two in any state."""
        self.stop = stop
        retrying = Retrying(
            retry=retry_if_exception_type((KafkaError, OSError)),
            wait=wait_exponential_jitter(multiplier=0.2, max=5),
            stop=stop_when_event_set(stop),
            sleep=sleeper(stop),
            before_sleep=self._before_retry_sleep,
            reraise=True,
        )
        last_chores = time.monotonic()
        last_epoch_check = -epoch_interval
        while not stop.is_set():
            try:
                if epoch_watch and time.monotonic() - last_epoch_check >= epoch_interval:
                    last_epoch_check = time.monotonic()
                    if retrying(epoch_watch.check):  # before publishing: refill a lost broker
                        # through a fresh producer: the old one's metadata describes the lost
                        # broker, and what it sends there may be acknowledged yet never stored
                        self.reset_producer()
                sent = retrying(self.publish_batch)
                self.broker_log.recovered()
                self.database_log.recovered()
                if chores and time.monotonic() - last_chores >= chore_interval:
                    last_chores = time.monotonic()
                    for chore in chores:
                        chore()
            except RelayStopping:
                break
            except Exception as exc:  # noqa: BLE001 - e.g. database unreachable: wait, go on
                if stop.is_set():
                    break
                if is_database_unavailable(exc):
                    self.database_log.failed(exc)
                else:
                    log.exception("relay loop error")
                self.reset_producer()
                stop.wait(1)
                continue
            if sent == 0:
                stop.wait(idle_sleep)
        self.reset_producer()


def add_relay_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="publish the outbox continuously")
    replay = sub.add_parser("replay", help="republish retained outbox rows")
    group = replay.add_mutually_exclusive_group(required=True)
    group.add_argument(
        "--since", type=datetime.fromisoformat, help="ISO time, e.g. 2026-11-01T00:00Z"
    )
    group.add_argument("--since-id", type=int, help="first outbox id to republish")
    sub.add_parser("purge", help="delete sent rows older than the retention period")
    sub.add_parser("status", help="print the backlog")


def run_relay_command(
    args: argparse.Namespace,
    *,
    service: str,
    engine: Engine,
    outbox: Outbox,
    bootstrap: list[str],
    retention: timedelta,
    metrics_port: int = 0,
) -> int:
    if args.command == "replay":
        since = as_utc(args.since) if args.since else None
        with engine.begin() as conn:
            count = outbox.mark_for_replay(conn, since=since, since_id=args.since_id)
        print(f"{count} outbox rows queued for republishing")
        return 0
    if args.command == "purge":
        with engine.begin() as conn:
            print(f"{outbox.purge_sent(conn, retention=retention)} sent rows purged")
        return 0
    if args.command == "status":
        with engine.connect() as conn:
            count, oldest = outbox.backlog(conn)
        print(f"unsent: {count}; oldest unsent created at: {oldest}")
        return 0
    from shared.broker_epoch import BrokerEpochWatch, admin_topic_lister
    from shared.observability import serve_metrics
    from shared.processes import stop_on_signals

    serve_metrics(metrics_port)
    stop = stop_on_signals()
    relay = OutboxRelay(
        service=service,
        engine=engine,
        outbox=outbox,
        # a send waits at most this long for a missing broker before the retry loop sees SIGTERM
        producer_factory=lambda: make_producer(bootstrap, max_block_ms=5_000, **BATCHING),
    )
    log.info("outbox relay for %s started", service)

    def purge() -> None:
        with engine.begin() as conn:
            outbox.purge_sent(conn, retention=retention)

    list_topics, create_topic = admin_topic_lister(bootstrap)
    watch = BrokerEpochWatch(
        service=service,
        engine=engine,
        outbox=outbox,
        list_topics=list_topics,
        create_topic=create_topic,
    )
    relay.run(
        stop,
        chores=(purge,),
        epoch_watch=broker_loss_watches(service, engine, outbox, bootstrap, watch),
    )
    return 0


def broker_loss_watches(
    service: str, engine: Engine, outbox: Outbox, bootstrap: list[str], epoch: "Watch"
) -> "Watch":
    """The epoch marker and the consumers' confirmed positions, checked together."""
    from shared.consumer_positions import (
        BrokerLossWatches,
        ConfirmationWatch,
        KafkaConfirmationReader,
        confirmations_topic,
    )
    from shared.events import topic_for

    topic = topic_for(service)
    positions = ConfirmationWatch(
        service=service,
        engine=engine,
        outbox=outbox,
        topic=topic,
        read=KafkaConfirmationReader(bootstrap, confirmations_topic(topic)),
    )
    return BrokerLossWatches(epoch, positions)


def relay_main(
    *,
    service: str,
    settings: "ServiceSettings",
    outbox: Outbox,
    argv: list[str] | None = None,
    description: str | None = None,
) -> int:
    """Body of every service's ``entrypoints/relay.py``: ``run|replay|purge|status``."""
    from shared.db import make_engine
    from shared.observability import configure_logging

    parser = argparse.ArgumentParser(prog=f"{service}-relay", description=description)
    add_relay_arguments(parser)
    args = parser.parse_args(argv)
    configure_logging(f"{service}-relay", settings.log_level, settings.log_json)
    from shared.kafka import use_client_options

    use_client_options(settings.kafka_client_options)  # this service's Kafka user (SASL)
    return run_relay_command(
        args,
        service=service,
        engine=make_engine(settings.database_url),
        outbox=outbox,
        bootstrap=settings.bootstrap_servers,
        retention=timedelta(days=settings.outbox_retention_days),
        metrics_port=settings.metrics_port,
    )
