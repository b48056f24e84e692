"""Every worker stops on SIGTERM within the Kubernetes grace period in every state, and an
event whose handling a SIGTERM interrupted is applied exactly once after the restart."""

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, insert, select

from devtools.testing.broker import TestBroker, free_port
from devtools.testing.private_postgres import PrivatePostgres
from devtools.testing.workers import WorkerProcess
from services.registry.adapters.orm import outbox, processed_events
from shared.clock import utcnow
from shared.db import make_engine
from shared.kafka import ensure_topics, make_producer, read_topic

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "shared/contracts/samples/credit.measure.applied.v1.json"


def grace_period(role: str) -> int:
    """The grace the Kubernetes manifests give the worker before SIGKILL."""
    path = ROOT / f"deploy/k8s/base/registry/{role}.yaml"
    for doc in yaml.safe_load_all(path.read_text()):
        if doc and doc.get("kind") == "Deployment":
            return int(doc["spec"]["template"]["spec"]["terminationGracePeriodSeconds"])
    raise AssertionError(f"no Deployment in {path}")


class Worker(WorkerProcess):
    def __init__(self, role: str, database_url: str, bootstrap: str, log: Path) -> None:
        super().__init__("registry", role, database_url=database_url, bootstrap=bootstrap, log=log)

    def terminate_within_grace(self) -> None:
        code = self.terminate(timeout=grace_period(self.role))
        if code is None:
            pytest.fail(f"{self.role} ignored SIGTERM:\n{self.log_text()}")
        assert code == 0, self.log_text()
        assert "Traceback" not in self.log_text()


@pytest.fixture
def dead_broker() -> str:
    return f"127.0.0.1:{free_port()}"  # nothing listens there


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.kill()


def add_unsent_outbox_row(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            insert(outbox.table).values(
                event_id=str(uuid.uuid4()),
                topic="faults.shutdown",
                message_key="k",
                event_type="faults.test",
                body="{}",
                created_at=utcnow(),
            )
        )
    engine.dispose()


def test_relay_stops_while_the_broker_is_unreachable(
    registry_url: str, dead_broker: str, workers: list[Worker], tmp_path: Path
) -> None:
    add_unsent_outbox_row(registry_url)
    relay = Worker("relay", registry_url, dead_broker, tmp_path / "relay.log")
    workers.append(relay)
    relay.wait_for_log("relay: broker unavailable")
    relay.terminate_within_grace()


def test_relay_stops_while_the_database_is_down(
    registry_url: str,
    private_pg: PrivatePostgres,
    broker: TestBroker,
    workers: list[Worker],
    tmp_path: Path,
) -> None:
    private_pg.stop()
    relay = Worker("relay", registry_url, broker.bootstrap, tmp_path / "relay.log")
    workers.append(relay)
    relay.wait_for_log("relay: database unavailable")
    relay.terminate_within_grace()
    private_pg.start()


def test_consumer_stops_while_the_broker_is_unreachable(
    registry_url: str, dead_broker: str, workers: list[Worker], tmp_path: Path
) -> None:
    consumer = Worker("consumer", registry_url, dead_broker, tmp_path / "consumer.log")
    workers.append(consumer)
    consumer.wait_for_log("consumer: broker unavailable")  # in the topic-creation retry loop
    consumer.terminate_within_grace()


def test_consumer_interrupted_during_an_outage_applies_the_event_once(
    registry_url: str,
    private_pg: PrivatePostgres,
    own_broker: TestBroker,
    workers: list[Worker],
    tmp_path: Path,
) -> None:
    event = json.loads(SAMPLE.read_text())
    event["event_id"] = str(uuid.uuid4())
    ensure_topics([own_broker.bootstrap], ["credit.events"])
    producer = make_producer([own_broker.bootstrap])
    producer.send("credit.events", key=b"k", value=json.dumps(event).encode()).get(timeout=15)
    producer.close()

    private_pg.stop()
    log = tmp_path / "consumer.log"
    first = Worker("consumer", registry_url, own_broker.bootstrap, log)
    workers.append(first)
    first.wait_for_log("database unavailable")
    first.terminate_within_grace()
    assert log.read_text().count("database unavailable") == 1  # one line, not one per retry

    private_pg.start()
    second = Worker("consumer", registry_url, own_broker.bootstrap, log)
    workers.append(second)
    engine = make_engine(registry_url)
    count = select(func.count()).where(processed_events.c.event_id == event["event_id"])
    deadline = time.monotonic() + 60
    while True:
        with engine.connect() as conn:
            if conn.execute(count).scalar_one() == 1:
                break
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)
    second.terminate_within_grace()
    with engine.connect() as conn:
        assert conn.execute(count).scalar_one() == 1
    engine.dispose()


def test_relay_republishes_after_the_broker_lost_its_data(
    registry_url: str, own_broker: TestBroker, workers: list[Worker], tmp_path: Path
) -> None:
    add_unsent_outbox_row(registry_url)
    relay = Worker("relay", registry_url, own_broker.bootstrap, tmp_path / "relay.log")
    workers.append(relay)
    wait_for_messages(own_broker, "faults.shutdown", 1)

    own_broker.restart()  # memory storage: every topic and message is gone

    relay.wait_for_log("the broker lost its data")
    wait_for_messages(own_broker, "faults.shutdown", 1)
    relay.terminate_within_grace()


def wait_for_messages(broker: TestBroker, topic: str, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(read_topic(broker.bootstrap, topic, settle=0.5, timeout=5)) < count:
        assert time.monotonic() < deadline, f"{topic} has fewer than {count} messages"
        time.sleep(0.5)


def test_scheduler_stops_while_the_database_is_down(
    registry_url: str,
    private_pg: PrivatePostgres,
    dead_broker: str,
    workers: list[Worker],
    tmp_path: Path,
) -> None:
    private_pg.stop()
    scheduler = Worker("scheduler", registry_url, dead_broker, tmp_path / "scheduler.log")
    workers.append(scheduler)
    scheduler.wait_for_log("database unavailable")
    scheduler.terminate_within_grace()
    assert scheduler.log_text().count("database unavailable") == 1
    private_pg.start()
