"""Credit measures applied through the registry's consumer handler (golden samples fed in)."""

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from devtools.testing.kafka import wait_until
from services.registry.adapters.orm import processed_events
from services.registry.service_layer.handlers import TOPICS, make_handler
from shared.consumer import IdempotentConsumer
from shared.contracts.catalog import SAMPLES
from tests.registry.conftest import BODY_A, BODY_A_USCC, HOLDER, certificate

APPLIED = SAMPLES / "credit.measure.applied.v1.json"
LIFTED = SAMPLES / "credit.measure.lifted.v1.json"


class NoBroker:
    """The handler path under test never dead-letters; fail loudly if it tries."""

    def send(self, *_a: object, **_k: object) -> None:
        raise AssertionError("unexpected dead-lettering")


def consumer(engine: Engine, *, suspend_existing: bool = False) -> IdempotentConsumer:
    return IdempotentConsumer(
        name="registry-consumer",
        topics=TOPICS,
        engine=engine,
        processed_table=processed_events,
        handler=make_handler(engine, suspend_existing=suspend_existing),
        consumer_factory=lambda: None,
        producer_factory=lambda: NoBroker(),
        max_attempts=1,
    )


def sample(path: Path, **payload_changes: object) -> bytes:
    data = json.loads(path.read_text())
    data["payload"].update(payload_changes)
    if "measure_code" in payload_changes:
        data["payload"]["measure"]["code"] = payload_changes["measure_code"]
    if "event_id" in payload_changes:
        data["event_id"] = data["payload"].pop("event_id")
    return json.dumps(data).encode()


def test_listed_holder_is_refused_and_verification_shows_the_measure(
    client: TestClient, issued: str, as_body_a: dict[str, str], engine: Engine
) -> None:
    c = consumer(engine)
    c.handle_raw(APPLIED.read_bytes())
    c.handle_raw(APPLIED.read_bytes())  # redelivered
    assert (c.stats.processed, c.stats.duplicates) == (1, 1)

    r = client.post("/certificates", headers=as_body_a, json=certificate("CCC-NEW-1"))
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["code"] == "holder_barred"
    assert problem["listing_id"] == "LST-2026-000123"
    assert "第十四条" in problem["legal_basis"]

    # the API's verification cache learns of the consumer's write from the change log
    def measures() -> list[Any]:
        found: list[Any] = client.get(f"/public/certificates/{issued}").json()["joint_punishment"]
        return found

    wait_until(lambda: measures() != [], timeout=10)
    view = client.get(f"/public/certificates/{issued}").json()
    assert view["status"] == "valid"  # default: flag only
    [measure] = view["joint_punishment"]
    assert measure["measure"] == "no_new_certificates" and "第十四条" in measure["legal_basis"]

    c.handle_raw(LIFTED.read_bytes())
    wait_until(lambda: measures() == [], timeout=10)
    assert (
        client.post("/certificates", headers=as_body_a, json=certificate("CCC-NEW-1")).status_code
        == 201
    )
    changes = [
        c["change"]
        for c in client.get("/public/changes").json()["items"]
        if c["entity"] == "holder"
    ]
    assert changes == ["measure_applied:no_new_certificates", "measure_lifted:no_new_certificates"]


def test_configured_suspension_of_existing_certificates_and_restore(
    client: TestClient, issued: str, engine: Engine, as_holder: dict[str, str]
) -> None:
    c = consumer(engine, suspend_existing=True)
    c.handle_raw(APPLIED.read_bytes())
    full = client.get(f"/certificates/{issued}", headers=as_holder).json()
    assert full["status"] == "suspended" and full["status_reason_code"] == "joint_punishment"
    c.handle_raw(LIFTED.read_bytes())
    full = client.get(f"/certificates/{issued}", headers=as_holder).json()
    assert full["status"] == "valid"
    assert [h["reason_code"] for h in full["history"]][-2:] == [
        "joint_punishment",
        "joint_punishment_lifted",
    ]


def test_lifetime_ban_withdraws_the_bodys_accreditation(
    client: TestClient, bodies: None, engine: Engine
) -> None:
    c = consumer(engine)
    c.handle_raw(
        sample(
            APPLIED,
            uscc=BODY_A_USCC,
            measure_code="lifetime_ban",
            listing_id="LST-BODY-1",
            category="certification_body",
        )
    )
    body = client.get(f"/bodies/{BODY_A}").json()
    assert body["accreditation_status"] == "withdrawn"
    assert body["accreditation_reason_code"] == "lifetime_ban"


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("credit.*.json")), ids=lambda p: p.name)
def test_every_credit_golden_sample_is_accepted(path: Path, engine: Engine) -> None:
    c = consumer(engine)
    c.handle_raw(path.read_bytes())
    assert c.stats.processed == 1 and c.stats.dead_lettered == 0
    assert HOLDER  # samples concern the demo holder


def test_a_lift_that_overtakes_its_apply_leaves_no_sanction(
    client: TestClient, issued: str, engine: Engine
) -> None:
    """Two relays may publish a listing's events out of order; the late apply is a no-op."""
    c = consumer(engine)
    c.handle_raw(LIFTED.read_bytes())
    c.handle_raw(APPLIED.read_bytes())
    assert client.get(f"/public/certificates/{issued}").json()["joint_punishment"] == []
