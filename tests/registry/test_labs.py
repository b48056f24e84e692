"""Testing labs as accountable subjects: USCC, accreditation scope and validity, lifetime bans
from credit, expiry; every change published as registry.lab.status_changed."""

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from devtools.testing.contracts import assert_matches_contract, outbox_events
from services.registry.adapters.orm import outbox
from services.registry.service_layer.labs import expire_labs
from services.registry.service_layer.services import MeasureChange, apply_measure
from services.registry.service_layer.unit_of_work import RegistryUnitOfWork
from shared import uscc
from tests.registry.test_api import problem

LAB_USCC = uscc.make("91330100MA2LAB00")


def lab(**overrides: object) -> dict:
    return {
        "id": "CNAS-L1234",
        "name": "浙江方正检测技术有限公司",
        "uscc": LAB_USCC,
        "region_code": "330100",
        "accredited_categories": ["toys", "household_appliances"],
        "valid_until": (date.today() + timedelta(days=400)).isoformat(),
        **overrides,
    }


def lab_events(engine: Engine) -> list:
    events = [
        e
        for e in outbox_events(engine, outbox.table)
        if e.event_type == "registry.lab.status_changed"
    ]
    for event in events:
        assert_matches_contract(event)
    return events


def test_register_lab_with_a_valid_uscc(
    client: TestClient, engine: Engine, as_regulator: dict[str, str], as_body_a: dict[str, str]
) -> None:
    problem(client.post("/labs", headers=as_body_a, json=lab()), 403, "role_not_allowed")
    bad = LAB_USCC[:16] + ("0" if LAB_USCC[16] != "0" else "1") + LAB_USCC[17]
    problem(
        client.post("/labs", headers=as_regulator, json=lab(uscc=bad)),
        422,
        "uscc_organisation_code",
    )
    problem(
        client.post("/labs", headers=as_regulator, json=lab(region_code="110000")),
        403,
        "outside_jurisdiction",
    )
    r = client.post("/labs", headers=as_regulator, json=lab())
    assert r.status_code == 201, r.text
    assert r.json()["eligible"] is True and r.json()["uscc"] == LAB_USCC
    problem(client.post("/labs", headers=as_regulator, json=lab()), 409, "duplicate_lab")
    assert [e.payload["to_status"] for e in lab_events(engine)] == ["active"]
    assert client.get("/labs").json()[0]["accredited_categories"] == [
        "household_appliances",
        "toys",
    ]


def test_lifetime_ban_from_credit_is_final(
    client: TestClient, engine: Engine, as_regulator: dict[str, str]
) -> None:
    assert client.post("/labs", headers=as_regulator, json=lab()).status_code == 201
    ban = MeasureChange(
        "L-9", LAB_USCC, "lifetime_ban", "终身禁入", "认证认可条例 art. 74", "registry"
    )
    apply_measure(RegistryUnitOfWork(engine), ban)
    apply_measure(RegistryUnitOfWork(engine), ban)  # redelivered: no second effect
    view = client.get("/labs/CNAS-L1234").json()
    assert (view["status"], view["status_reason_code"], view["eligible"]) == (
        "banned",
        "lifetime_ban",
        False,
    )
    events = lab_events(engine)
    assert [(e.payload["to_status"], e.payload["eligible"]) for e in events] == [
        ("active", True),
        ("banned", False),
    ]
    r = client.post(
        "/labs/CNAS-L1234/status",
        headers=as_regulator,
        json={"status": "active", "reason_code": "reaccreditation"},
    )
    problem(r, 409, "illegal_transition")
    problem(
        client.post("/labs", headers=as_regulator, json=lab(id="CNAS-L9999")), 409, "duplicate_lab"
    )


def test_expired_accreditation_and_reaccreditation(
    client: TestClient, engine: Engine, as_regulator: dict[str, str]
) -> None:
    assert client.post("/labs", headers=as_regulator, json=lab()).status_code == 201
    later = date.today() + timedelta(days=401)
    assert expire_labs(RegistryUnitOfWork(engine), later) == 1
    assert client.get("/labs/CNAS-L1234").json()["status"] == "expired"
    active = {"status": "active", "reason_code": "reaccreditation"}
    r = client.post("/labs/CNAS-L1234/status", headers=as_regulator, json=active)
    assert r.status_code == 200  # still within validity today
    renewed = {**active, "valid_until": (date.today() + timedelta(days=900)).isoformat()}
    r = client.post(
        "/labs/CNAS-L1234/status",
        headers=as_regulator,
        json={"status": "suspended", "reason_code": "supervision_finding"},
    )
    assert r.json()["eligible"] is False
    r = client.post("/labs/CNAS-L1234/status", headers=as_regulator, json=renewed)
    assert r.json()["eligible"] is True and r.json()["valid_until"] == renewed["valid_until"]
    assert [e.payload["to_status"] for e in lab_events(engine)] == [
        "active",
        "expired",
        "active",
        "suspended",
        "active",
    ]
