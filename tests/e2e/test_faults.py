"""Faults: a consumer killed mid-stream, the broker lost, poison messages, duplicates."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from devtools.testing.kafka import wait_until
from devtools.testing.system import System
from shared.clock import utcnow
from shared.kafka import make_producer, read_topic
from tests.e2e.conftest import BODY, REGULATOR, enterprise, issue, list_enterprise

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


def revoke_for_cause(system: System, holders: list[str], prefix: str) -> None:
    with system.client("registry", **BODY) as body:
        for i, holder in enumerate(holders):
            number = f"{prefix}-{i:03d}"
            assert issue(body, number, holder).status_code == 201
            r = body.post(f"/certificates/{number}/revoke", json={"reason_code": "fraud"})
            assert r.status_code == 200, r.text


def record_counts(system: System, holders: list[str]) -> list[int]:
    """The consumer's effect per holder: record proposals awaiting a regulator (issue 12:
    records from other services are never made automatically)."""
    counts = []
    with system.client("credit", **REGULATOR) as credit:
        for holder in holders:
            r = credit.get("/record-proposals", params={"uscc": holder, "status": ""})
            counts.append(len(r.json()["items"]) if r.status_code == 200 else 0)
    return counts


def test_consumer_killed_mid_stream_applies_every_effect_once(system: System) -> None:
    holders = [enterprise(100 + i) for i in range(20)]
    revoke_for_cause(system, holders, "KILL")
    consumer = system.processes["credit-consumer"]
    wait_until(lambda: sum(record_counts(system, holders[:3])) >= 1, timeout=30)
    consumer.kill()  # SIGKILL: no clean shutdown, offsets of the current batch uncommitted
    consumer.start()
    wait_until(lambda: record_counts(system, holders) == [1] * len(holders), timeout=60)
    time.sleep(2)  # redeliveries after the restart must not add anything
    assert record_counts(system, holders) == [1] * len(holders)


def test_broker_lost_while_writes_continue_then_republished_by_itself(system: System) -> None:
    before = [enterprise(200 + i) for i in range(3)]
    revoke_for_cause(system, before, "PRE")
    during = [enterprise(210 + i) for i in range(5)]
    system.broker.stop()
    ready = system.client("registry").get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["broker"] == "unreachable"
    revoke_for_cause(system, during, "OUT")  # the APIs keep working; events wait in outboxes
    system.broker.restart()  # memory storage: every topic, message and offset is gone
    # no operator step: the relays notice the empty broker and republish their retained outbox
    wait_until(lambda: record_counts(system, before + during) == [1] * 8, timeout=90)
    assert system.client("registry").get("/readyz").status_code == 200


def test_manual_replay_remains_as_the_fallback(system: System) -> None:
    since = (utcnow() - timedelta(minutes=5)).isoformat()
    for service in ("registry", "inspection", "credit"):
        out = system.relay_command(service, "replay", "--since", since)
        assert "queued for republishing" in out


def test_poison_message_is_dead_lettered_and_later_messages_flow(system: System) -> None:
    producer = make_producer([system.broker.bootstrap])
    producer.send("credit.events", key=b"poison", value=b"\x00not json at all")
    producer.send(
        "credit.events",
        key=b"poison",
        value=json.dumps(
            {
                "event_type": "credit.measure.applied",
                "schema_version": 99,
                "producer": "credit",
                "subject": "x",
                "payload": {},
                "event_id": "00000000-0000-4000-8000-00000000dead",
                "occurred_at": datetime.now(UTC).isoformat(),
            }
        ).encode(),
    )
    producer.flush()
    holder = enterprise(300)
    list_enterprise(system, holder, ["no_new_certificates"])
    with system.client("registry", **BODY) as body:
        wait_until(
            lambda: issue(body, f"POISON-{time.monotonic_ns()}", holder).status_code == 409,
            timeout=30,
        )

    def dead_letters() -> list:
        return read_topic(system.broker.bootstrap, "registry-consumer.dlq", settle=0.5)

    wait_until(lambda: len(dead_letters()) == 2, timeout=30)
    errors = [dict(m.headers)["error"].decode() for m in dead_letters()]
    assert any("99" in e for e in errors)  # unknown contract version, kept with its error


def test_the_same_event_delivered_twice_has_one_effect(system: System) -> None:
    holder = enterprise(400)
    listing_id = list_enterprise(system, holder, ["no_new_certificates"])

    def applied() -> list:
        return [
            m
            for m in read_topic(system.broker.bootstrap, "credit.events", settle=0.5)
            if m.key == holder.encode()
            and json.loads(m.value)["event_type"] == "credit.measure.applied"
        ]

    wait_until(lambda: len(applied()) == 1, timeout=30)
    duplicate = applied()[0]
    producer = make_producer([system.broker.bootstrap])
    for _ in range(2):
        producer.send("credit.events", key=duplicate.key, value=duplicate.value)
    producer.flush()
    with system.client("credit", **REGULATOR) as credit:  # a later event on the same key
        assert (
            credit.post(
                f"/listings/{listing_id}/removal", json={"reason": "basis_revoked"}
            ).status_code
            == 200
        )

    def changes() -> list[str]:
        items = system.client("registry").get("/public/changes", params={"limit": 1000}).json()
        return [c["change"] for c in items["items"] if c["key"] == holder]

    wait_until(lambda: "measure_lifted:no_new_certificates" in changes(), timeout=30)
    assert changes() == [
        "measure_applied:no_new_certificates",
        "measure_lifted:no_new_certificates",
    ]
