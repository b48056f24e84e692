"""Backfills and replays (issue 17 item 4): a backlog of events drained end to end.

The credit service's outbox holds N ``credit.risk_grade.changed`` events (N distinct
enterprises, as in a province's backfill). Once the real relay and the real inspection
consumer run (separate processes, as deployed) and one warm-up event went through, the backlog
is queued with the relay's ``replay`` (sent rows made unsent again) and the clock runs until
the consumer has recorded all N events as processed in the inspection database, each with its
effect (the enterprise's risk class mirrored).

Baseline, same run, same broker, same message bodies and keys: a bare kafka-python producer
process and consumer sending and reading them concurrently, nothing else. Figures: the
backlog's events/s and their ratio to the bare broker's; targets >= 30% and, on PostgreSQL,
>= 5,000 events/s.

    python -m bench.bench_backfill [--backend sqlite|postgresql|both] [--quick|--smoke]
"""

import multiprocessing
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Engine

from bench.harness import backend_arguments, copy_rows, print_table
from devtools.testing.broker import TestBroker
from devtools.testing.databases import drop_database, new_database
from devtools.testing.workers import WorkerProcess
from services.credit.adapters.orm import outbox as credit_outbox
from services.credit.config import SERVICE_DIR as CREDIT_DIR
from services.inspection.adapters.orm import processed_events
from services.inspection.config import SERVICE_DIR as INSPECTION_DIR
from shared import uscc
from shared.broker_epoch import marker_topic
from shared.clock import utcnow
from shared.contracts.credit import RiskGradeChangedV1
from shared.db import make_engine
from shared.events import EventEnvelope, topic_for
from shared.kafka import ensure_topics, make_consumer, make_producer
from shared.outbox import Outbox

TOPIC = topic_for("credit")
GRADES = ("A", "B", "C", "D")
OUTBOX_COLUMNS = ("event_id", "topic", "message_key", "event_type", "body", "created_at", "sent_at")


def enterprise(i: int) -> str:
    return uscc.make(f"913301{i % 100:02d}B{i:07d}")


def envelope(i: int) -> EventEnvelope:
    payload = RiskGradeChangedV1(
        uscc=enterprise(i),
        enterprise_name=f"回填企业{i}有限公司",
        from_grade=None,
        to_grade=GRADES[i % 4],
        score=60 + i % 40,
        rule_version="bench",
        reasons=["backfill"],
        trigger="backfill",
    )
    return EventEnvelope.wrap(payload, producer="credit", subject=payload.uscc)


def outbox_rows(count: int, sent: bool) -> Iterator[tuple[Any, ...]]:
    now = utcnow()
    for i in range(count):
        env = envelope(i)
        body = env.model_dump_json()
        yield (
            str(env.event_id),
            TOPIC,
            env.subject,
            env.event_type,
            body,
            now,
            now if sent else None,
        )


def load_outbox(engine: Engine, rows: Iterator[tuple[Any, ...]]) -> None:
    if engine.dialect.name == "postgresql":
        copy_rows(engine, "outbox", OUTBOX_COLUMNS, rows)
        return
    table = credit_outbox.table
    batch: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for row in rows:
            batch.append(dict(zip(OUTBOX_COLUMNS, row, strict=True)))
            if len(batch) == 10_000:
                conn.execute(insert(table), batch)
                batch = []
        if batch:
            conn.execute(insert(table), batch)


# -- baseline: the bare broker --------------------------------------------------------------
def _produce(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes]]) -> None:
    producer = make_producer([bootstrap])
    for key, value in messages:
        producer.send(topic, key=key, value=value)
    producer.flush(timeout=120)
    producer.close()


def bare_broker(bootstrap: str, messages: list[tuple[bytes, bytes]]) -> float:
    """Seconds for a producer process and a consumer to move ``messages`` concurrently."""
    topic = f"bench-backfill-{uuid.uuid4().hex[:6]}"
    ensure_topics([bootstrap], [topic])
    consumer = make_consumer([bootstrap], f"bare-{uuid.uuid4().hex[:6]}", session_timeout_ms=2000)
    consumer.subscribe([topic])
    while not consumer.assignment():  # joined before the clock starts, as the real consumer
        consumer.poll(timeout_ms=200)
    start = time.monotonic()
    producer = multiprocessing.get_context("fork").Process(
        target=_produce, args=(bootstrap, topic, messages)
    )
    producer.start()
    received = 0
    deadline = start + 600
    while received < len(messages) and time.monotonic() < deadline:
        received += sum(len(r) for r in consumer.poll(timeout_ms=200).values())
    elapsed = time.monotonic() - start
    producer.join()
    consumer.close()
    if received < len(messages):
        raise RuntimeError(f"bare broker: {received}/{len(messages)} messages arrived")
    return elapsed


# -- end to end -----------------------------------------------------------------------------
def processed(engine: Engine) -> int:
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(processed_events))
        return int(count.scalar_one())


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.05)


def end_to_end(root: Path, backend: str, broker: TestBroker, count: int) -> float:
    """Seconds from the replay of ``count`` outbox rows until the consumer processed them."""
    source_url = new_database(backend, CREDIT_DIR, root, "bench_backfill_credit")
    sink_url = new_database(backend, INSPECTION_DIR, root, "bench_backfill_inspection")
    source, sink = make_engine(source_url), make_engine(sink_url)
    workers: list[WorkerProcess] = []
    try:
        load_outbox(source, outbox_rows(count, sent=True))  # published once already
        with source.begin() as conn:
            first_backlog_id = conn.execute(select(func.min(credit_outbox.table.c.id))).scalar()
        warm = envelope(count)  # one more enterprise: the warm-up event, unsent
        load_outbox(source, iter([_row(warm)]))
        ensure_topics([broker.bootstrap], [TOPIC, "registry.events"])
        # the relay's marker: this broker holds what it published (else the relay would take it
        # for a broker that lost its data and republish the whole retained outbox)
        ensure_topics([broker.bootstrap], [marker_topic("credit")], partitions=1)
        workers = [
            WorkerProcess(
                "inspection",
                "consumer",
                database_url=sink_url,
                bootstrap=broker.bootstrap,
                log=root / f"consumer-{backend}.log",
                extra_env={"INSPECTION_LOG_LEVEL": "WARNING"},
            ),
            WorkerProcess(
                "credit",
                "relay",
                database_url=source_url,
                bootstrap=broker.bootstrap,
                log=root / f"relay-{backend}.log",
                extra_env={"CREDIT_LOG_LEVEL": "WARNING"},
            ),
        ]
        wait_for(lambda: processed(sink) == 1, 120, "the warm-up event never arrived")
        start = time.monotonic()
        with source.begin() as conn:
            Outbox(credit_outbox.table).mark_for_replay(conn, since_id=first_backlog_id)
        wait_for(lambda: processed(sink) >= count + 1, 900, "the backlog was not drained")
        elapsed = time.monotonic() - start
        with sink.connect() as conn:
            mirrored = conn.execute(text("SELECT count(*) FROM enterprise_risk")).scalar_one()
        assert mirrored == count + 1, f"{mirrored} risk classes mirrored for {count + 1} events"
        return elapsed
    finally:
        for worker in workers:
            worker.terminate(timeout=15)
        source.dispose()
        sink.dispose()
        drop_database(source_url)
        drop_database(sink_url)


def _row(env: EventEnvelope) -> tuple[Any, ...]:
    now = utcnow()
    return (str(env.event_id), TOPIC, env.subject, env.event_type, env.model_dump_json(), now, None)


def run(backend: str, count: int) -> list[tuple[str, ...]]:
    root = Path(tempfile.mkdtemp(prefix="bench-backfill-"))
    broker = TestBroker(log_dir=root).start()
    try:
        messages = [(row[2].encode(), row[4].encode()) for row in outbox_rows(count, sent=True)]
        bare_s = bare_broker(broker.bootstrap, messages)
        e2e_s = end_to_end(root, backend, broker, count)
    finally:
        broker.stop()
    bare_rate, rate = count / bare_s, count / e2e_s
    ratio = rate / bare_rate
    rate_target = "-"
    if backend == "postgresql":
        rate_target = ">= 5,000/s " + ("ok" if rate >= 5000 else "MISSED")
    return [
        (backend, "bare broker produce+consume (baseline)", f"{bare_s:.1f}", f"{bare_rate:,.0f}",
         "100%", ""),
        (backend, "relay -> broker -> consumer -> database", f"{e2e_s:.1f}", f"{rate:,.0f}",
         f"{ratio:.0%}", ">= 30% " + ("ok" if ratio >= 0.30 else "MISSED") + "; " + rate_target),
    ]  # fmt: skip


def main() -> None:
    backends, size = backend_arguments(__doc__, "20,000 events")
    count = {"full": 100_000, "quick": 20_000, "smoke": 1_000}[size]
    rows: list[tuple[str, ...]] = [
        ("backend", "path", "seconds", "events/s", "vs baseline", "target")
    ]
    for backend in backends:
        rows += run(backend, count)
    print_table(f"Backfill: a backlog of {count:,} events drained end to end", rows)


if __name__ == "__main__":
    main()
