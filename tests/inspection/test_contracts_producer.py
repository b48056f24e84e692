"""Every event the inspection service emits matches its contract and its golden sample.

The golden samples live in tests/inspection/contract_samples/ until the lead moves them to
shared/contracts/samples/ (the catalog's home for them); this test reads either place.
"""

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from devtools.testing.contracts import outbox_events, same_shape
from services.inspection.adapters.orm import outbox
from services.inspection.config import InspectionSettings
from shared.contracts.catalog import SAMPLES
from shared.contracts.inspection import ALL
from shared.events import EventEnvelope, contracts
from tests.inspection.conftest import as_enterprise, create_plan, draw, freeze, sampled, tasks_of

STAGED = Path(__file__).parent / "contract_samples"


def sample_for(event_type: str, version: int) -> dict:
    name = f"{event_type}.v{version}.json"
    path = SAMPLES / name if (SAMPLES / name).exists() else STAGED / name
    return dict(json.loads(path.read_text()))


def test_emitted_events_match_contracts_and_samples(
    client: TestClient,
    roster: list[str],
    as_zj: dict[str, str],
    engine: Engine,
    settings: InspectionSettings,
) -> None:
    plan_id = create_plan(client, as_zj)
    draw(client, as_zj, freeze(client, as_zj, plan_id)["id"])
    passed, failed = tasks_of(client, as_zj, plan_id)[:2]
    client.post(
        f"/tasks/{passed['id']}/result",
        headers=as_zj,
        json={"outcome": "pass", "sampling_date": sampled()},
    )
    client.post(
        f"/tasks/{failed['id']}/result",
        headers=as_zj,
        json={
            "outcome": "fail",
            "sampling_date": sampled(),
            "failed_items": [{"item": "Marking", "measured": "none"}],
        },
    )
    owner = as_enterprise(settings, failed["enterprise"]["uscc"])
    client.post(
        f"/tasks/{failed['id']}/result/objection", headers=owner, json={"reason": "re-test"}
    )
    client.post(
        f"/tasks/{failed['id']}/result/retest",
        headers=as_zj,
        json={"outcome": "fail", "failed_items": [{"item": "Marking"}]},
    )
    assert client.post(f"/plans/{plan_id}/publication", headers=as_zj).status_code == 200
    events = outbox_events(engine, outbox.table)
    # deadline changes are emitted by the scheduler (tests/inspection/test_calendar_tables.py)
    flow = {m.EVENT_TYPE for m in ALL} - {"inspection.plan.deadline_changed"}
    assert {e.event_type for e in events} == flow
    for event in events:
        payload = contracts.parse(event)  # raises on any mismatch with the model
        assert event.producer == "inspection" and event.schema_version == payload.VERSION
        sample = sample_for(event.event_type, event.schema_version)
        assert same_shape(event.payload, sample["payload"]), event.event_type
        assert set(event.model_dump(mode="json")) == set(sample)
        EventEnvelope.model_validate(sample)


def test_samples_parse_to_their_contracts() -> None:
    for model in ALL:
        sample = EventEnvelope.model_validate(sample_for(model.EVENT_TYPE, model.VERSION))
        assert isinstance(contracts.parse(sample), model)
