"""Recovery after faults: how soon the registry serves and propagates again.

Every figure runs from the moment the failed part is back (PostgreSQL accepting connections,
the broker listening, the crashed worker started again) to the first effect a client or another
service can see. A private PostgreSQL cluster is stopped and started; the broker is the real
test broker (memory storage, so a restart loses its data). Targets come from issue 18:
serve and propagate again within 2 s of the database's return, stop within the grace period.
"""

import argparse
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from bench.harness import ServerProcess, print_table
from devtools.testing.broker import TestBroker
from devtools.testing.private_postgres import PrivatePostgres
from devtools.testing.workers import WorkerProcess
from services.registry.adapters.orm import outbox, processed_events
from services.registry.config import SERVICE_DIR
from shared.clock import utcnow
from shared.db import make_engine
from shared.kafka import ensure_topics, make_producer
from shared.migrations import upgrade

SAMPLE = (
    Path(__file__).resolve().parents[1] / "shared/contracts/samples/credit.measure.applied.v1.json"
)


def until(condition: Callable[[], bool], timeout: float = 120, step: float = 0.02) -> float:
    """Seconds until ``condition`` holds."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise TimeoutError("no recovery within the timeout")
        time.sleep(step)
    return time.monotonic() - start


def api_serves_again(pg: PrivatePostgres, url: str) -> tuple[float, dict[int, int]]:
    seen: dict[int, int] = {}
    env = {
        "REGISTRY_DATABASE_URL": url,
        "REGISTRY_LOG_LEVEL": "ERROR",
        "REGISTRY_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
        "REGISTRY_ENVIRONMENT": "test",
    }
    with (
        ServerProcess("services.registry.entrypoints.api:create_app", env) as srv,
        httpx.Client() as http,
    ):
        probe = srv.url(f"/public/certificates/NOPE-{uuid.uuid4().hex[:6]}")

        def answered() -> bool:
            status = http.get(probe, timeout=5).status_code
            seen[status] = seen.get(status, 0) + 1
            return status == 404

        pg.stop()
        for _ in range(20):
            answered()  # what clients see during the outage
        pg.start()
        return until(answered), seen


def publish_sample(bootstrap: str) -> str:
    event = json.loads(SAMPLE.read_text())
    event["event_id"] = str(uuid.uuid4())
    producer = make_producer([bootstrap])
    producer.send("credit.events", key=b"k", value=json.dumps(event).encode()).get(timeout=15)
    producer.close()
    return str(event["event_id"])


def applied(engine: Engine, event_id: str) -> Callable[[], bool]:
    query = select(func.count()).where(processed_events.c.event_id == event_id)

    def check() -> bool:
        try:
            with engine.connect() as conn:
                return bool(conn.execute(query).scalar_one())
        except Exception:  # noqa: BLE001 - the database may still be coming up
            return False

    return check


def consumer_propagates_again(
    pg: PrivatePostgres, url: str, broker: TestBroker, root: Path
) -> float:
    engine = make_engine(url)
    pg.stop()
    consumer = WorkerProcess(
        "registry",
        "consumer",
        database_url=url,
        bootstrap=broker.bootstrap,
        log=root / f"c-{uuid.uuid4().hex}.log",
    )
    try:
        event_id = publish_sample(broker.bootstrap)
        consumer.wait_for_log("database unavailable", timeout=60)
        pg.start()
        return until(applied(engine, event_id))
    finally:
        consumer.terminate(timeout=30)
        engine.dispose()


def consumer_resumes_after_crash(url: str, root: Path, instance_id: str) -> float:
    """On a broker of its own, so no member of an earlier run lingers in the group."""
    broker = TestBroker(log_dir=root).start()
    engine = make_engine(url)
    env = {"REGISTRY_CONSUMER_INSTANCE_ID": instance_id} if instance_id else {}

    def start() -> WorkerProcess:
        return WorkerProcess(
            "registry",
            "consumer",
            database_url=url,
            bootstrap=broker.bootstrap,
            log=root / f"c-{uuid.uuid4().hex}.log",
            extra_env=env,
        )

    first = start()
    try:
        until(applied(engine, publish_sample(broker.bootstrap)))
        first.kill()  # a crash: no clean leave
        second = start()
        started = time.monotonic()
        event_id = publish_sample(broker.bootstrap)
        until(applied(engine, event_id))
        elapsed = time.monotonic() - started
        second.terminate(timeout=30)
        return elapsed
    finally:
        first.kill()
        engine.dispose()
        broker.stop()


def relay_republishes_after_broker_loss(url: str, broker: TestBroker, root: Path) -> float:
    engine = make_engine(url)
    event_id = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(
            insert(outbox.table).values(
                event_id=event_id,
                topic="bench.recovery",
                message_key="k",
                event_type="bench",
                body="{}",
                created_at=utcnow(),
            )
        )
    sent_at = select(outbox.table.c.sent_at).where(outbox.table.c.event_id == event_id)
    relay = WorkerProcess(
        "registry",
        "relay",
        database_url=url,
        bootstrap=broker.bootstrap,
        log=root / f"r-{uuid.uuid4().hex}.log",
    )
    try:

        def sent_after(moment: float) -> Callable[[], bool]:
            def check() -> bool:
                with engine.connect() as conn:
                    value = conn.execute(sent_at).scalar_one()
                return value is not None and value.timestamp() >= moment

            return check

        until(sent_after(0))
        broker.restart()
        back = time.time()
        return until(sent_after(back))
    finally:
        relay.terminate(timeout=30)
        engine.dispose()


def verdict(value: float, target: float) -> str:
    return f"<= {target:g} s " + ("ok" if value <= target else "MISSED")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one repetition of each fault")
    parser.add_argument("--smoke", action="store_true", help="as --quick (make bench-smoke)")
    parser.add_argument(
        "--backend",
        default="postgresql",
        choices=["postgresql", "both"],
        help="always PostgreSQL (SQLite has no server to lose)",
    )
    args = parser.parse_args()
    repeats = 1 if args.quick or args.smoke else 3
    root = Path(tempfile.mkdtemp(prefix="bench-recovery-"))
    pg = PrivatePostgres().init()
    pg.start()
    broker = TestBroker(log_dir=root).start()
    try:
        url = pg.create_database("registry")
        upgrade(SERVICE_DIR, url)
        ensure_topics([broker.bootstrap], ["credit.events"])
        serve, statuses = zip(*(api_serves_again(pg, url) for _ in range(repeats)), strict=True)
        propagate = [consumer_propagates_again(pg, url, broker, root) for _ in range(repeats)]
        dynamic = [consumer_resumes_after_crash(url, root, "") for _ in range(repeats)]
        static = [
            consumer_resumes_after_crash(url, root, "bench-consumer-0") for _ in range(repeats)
        ]
        ensure_topics([broker.bootstrap], ["credit.events"])
        republish = [relay_republishes_after_broker_loss(url, broker, root) for _ in range(repeats)]
    finally:
        broker.stop()
        pg.destroy()
    answers = {k: sum(s.get(k, 0) for s in statuses) for k in {k for s in statuses for k in s}}
    rows: list[tuple[str, ...]] = [("fault", "recovered after (median s)", "target")]
    rows.append(
        (
            "PostgreSQL restart: API answers again",
            f"{statistics.median(serve):.2f}",
            verdict(statistics.median(serve), 2),
        )
    )
    rows.append(
        (
            "PostgreSQL back: consumer applies the waiting event",
            f"{statistics.median(propagate):.2f}",
            verdict(statistics.median(propagate), 2),
        )
    )
    rows.append(
        (
            "consumer SIGKILL: restart to next event applied (dynamic group)",
            f"{statistics.median(dynamic):.2f}",
            "-",
        )
    )
    rows.append(
        (
            "consumer SIGKILL: restart to next event applied (static member)",
            f"{statistics.median(static):.2f}",
            "< dynamic "
            + ("ok" if statistics.median(static) < statistics.median(dynamic) else "MISSED"),
        )
    )
    rows.append(
        (
            "broker lost its data: event published again",
            f"{statistics.median(republish):.2f}",
            verdict(statistics.median(republish), 10),
        )
    )
    print_table(f"Recovery (registry; {repeats} run(s) each)", rows)
    print(
        f"  API answers while PostgreSQL was down: {dict(sorted(answers.items()))} (status: count)"
    )


if __name__ == "__main__":
    main()
