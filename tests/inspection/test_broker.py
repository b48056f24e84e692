"""Inspection events leave through the outbox and the real relay onto ``inspection.events``."""

from collections import Counter

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from devtools.testing.broker import TestBroker
from devtools.testing.relay import drain, relay_for_tests
from services.inspection.adapters.orm import outbox
from shared.contracts.inspection import DrawMadeV1, SnapshotCommittedV1, TaskAssignedV1
from shared.events import EventEnvelope, contracts
from shared.kafka import read_topic
from shared.relay import OutboxRelay
from tests.inspection.conftest import create_plan, draw, freeze, tasks_of

pytestmark = pytest.mark.broker


def relay_for(engine: Engine, broker: TestBroker) -> OutboxRelay:
    return relay_for_tests("inspection", engine, outbox, broker.bootstrap)


def test_draw_events_arrive_exactly_once(
    client: TestClient, roster: list[str], as_zj: dict[str, str], engine: Engine, broker: TestBroker
) -> None:
    plan_id = create_plan(client, as_zj)
    snap = freeze(client, as_zj, plan_id)
    made = draw(client, as_zj, snap["id"])
    task_ids = {t["id"] for t in tasks_of(client, as_zj, plan_id)}
    relay = relay_for(engine, broker)
    try:
        assert drain(relay) == 1 + 1 + len(task_ids)
        assert drain(relay) == 0  # marked sent: nothing goes out twice
    finally:
        relay.reset_producer()
    events = [
        EventEnvelope.from_bytes(m.value) for m in read_topic(broker.bootstrap, "inspection.events")
    ]
    ours = [e for e in events if e.payload.get("plan_id") == plan_id]
    counts = Counter(e.event_type for e in ours)
    assert counts == {
        SnapshotCommittedV1.EVENT_TYPE: 1,
        DrawMadeV1.EVENT_TYPE: 1,
        TaskAssignedV1.EVENT_TYPE: len(task_ids),
    }
    assert len({e.event_id for e in ours}) == len(ours)
    committed = next(e for e in ours if e.event_type == SnapshotCommittedV1.EVENT_TYPE)
    payload = contracts.parse(committed)
    assert isinstance(payload, SnapshotCommittedV1)
    assert payload.snapshot_hash == snap["snapshot_hash"] and committed.subject == snap["id"]
    drawn = contracts.parse(next(e for e in ours if e.event_type == DrawMadeV1.EVENT_TYPE))
    assert isinstance(drawn, DrawMadeV1) and drawn.seed == made["seed"]
    assigned = [contracts.parse(e) for e in ours if e.event_type == TaskAssignedV1.EVENT_TYPE]
    assert all(isinstance(a, TaskAssignedV1) for a in assigned)
    assert {a.task_id for a in assigned if isinstance(a, TaskAssignedV1)} == task_ids
    # task events are keyed by the enterprise, so one enterprise's events stay in order
    assert all(
        e.subject == e.payload["enterprise_uscc"]
        for e in ours
        if e.event_type == TaskAssignedV1.EVENT_TYPE
    )
