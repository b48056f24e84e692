"""Certification personnel: the signer register, integrity records with due process, bans."""

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col

from services.registry.adapters.orm_supervision import FindingRow
from services.registry.config import RegistrySettings
from tests.registry.conftest import BODY_A, BODY_B, SIGNER_A, bearer, certificate
from tests.registry.test_api import problem


def test_signer_must_be_an_active_registered_signer_of_the_issuing_body(
    client: TestClient, bodies: None, as_body_a: dict[str, str], as_body_b: dict[str, str]
) -> None:
    r = client.post(
        "/certificates", headers=as_body_a, json=certificate("P-1", signer_registration_no=None)
    )
    problem(r, 422, "signer_registration_required")
    r = client.post(
        "/certificates",
        headers=as_body_a,
        json=certificate("P-2", signer_registration_no="CCAA-X-1"),
    )
    problem(r, 409, "signer_not_registered")
    # body A's signer cannot sign for body B
    problem(
        client.post("/certificates", headers=as_body_b, json=certificate("P-3")),
        409,
        "signer_not_registered",
    )
    problem(
        client.post(
            "/certificates", headers=as_body_a, json=certificate("P-4", signer_name="王芳")
        ),
        409,
        "signer_name_mismatch",
    )
    auditor = {"registration_no": "CCAA-2021-000001", "name": "刘洋", "roles": ["auditor"]}
    assert (
        client.post(f"/bodies/{BODY_A}/personnel", headers=as_body_a, json=auditor).status_code
        == 201
    )
    only_auditor = certificate("P-5", signer_name="刘洋", signer_registration_no="CCAA-2021-000001")
    problem(
        client.post("/certificates", headers=as_body_a, json=only_auditor),
        409,
        "signer_not_authorised",
    )
    r = client.post(
        f"/bodies/{BODY_A}/personnel/{SIGNER_A['registration_no']}/deactivate", headers=as_body_a
    )
    assert r.status_code == 200 and r.json()["status"] == "inactive"
    problem(
        client.post("/certificates", headers=as_body_a, json=certificate("P-6")),
        409,
        "signer_not_active",
    )


def test_register_rules(
    client: TestClient, bodies: None, as_body_a: dict[str, str], as_body_b: dict[str, str]
) -> None:
    problem(
        client.post(f"/bodies/{BODY_A}/personnel", headers=as_body_b, json=SIGNER_A),
        403,
        "not_your_body",
    )
    problem(
        client.post(f"/bodies/{BODY_B}/personnel", headers=as_body_b, json=SIGNER_A),
        409,
        "person_registered_elsewhere",
    )
    bad_role = {**SIGNER_A, "registration_no": "CCAA-9", "roles": ["boss"]}
    problem(
        client.post(f"/bodies/{BODY_A}/personnel", headers=as_body_a, json=bad_role),
        422,
        "unknown_role",
    )


def test_public_sees_name_and_registration_number_only(
    client: TestClient, bodies: None, as_body_a: dict[str, str], as_regulator: dict[str, str]
) -> None:
    public = client.get(f"/bodies/{BODY_A}/personnel").json()
    assert public == [{"name": "张伟", "registration_no": "CCAA-2019-123456"}]
    full = client.get(f"/bodies/{BODY_A}/personnel", headers=as_body_a).json()
    assert full[0]["roles"] == ["auditor", "signer"] and full[0]["findings"] == []
    assert client.get(f"/personnel/{SIGNER_A['registration_no']}").status_code == 401
    assert (
        client.get(f"/personnel/{SIGNER_A['registration_no']}", headers=as_regulator).status_code
        == 200
    )


def _propose(client: TestClient, headers: dict[str, str], code: str = "false_certification") -> int:
    r = client.post(
        f"/personnel/{SIGNER_A['registration_no']}/findings",
        headers=headers,
        json={"finding_code": code, "decision_number": "浙市监认罚〔2026〕7号"},
    )
    assert r.status_code == 201, r.text
    finding_id: int = r.json()["id"]
    return finding_id


def _close_window(engine: Engine, finding_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(FindingRow)
            .where(col(FindingRow.id) == finding_id)
            .values(objection_deadline=date.today() - timedelta(days=1))
        )


def test_ban_needs_due_process_then_stops_signing_and_flags_certificates(
    client: TestClient,
    engine: Engine,
    issued: str,
    as_body_a: dict[str, str],
    as_regulator: dict[str, str],
    settings: RegistrySettings,
) -> None:
    beijing = bearer(
        settings,
        role="regulator",
        sub="bj",
        authority_level="provincial",
        region_code="110000",
        department="BJAMR",
    )
    problem(
        client.post(
            f"/personnel/{SIGNER_A['registration_no']}/findings",
            headers=beijing,
            json={"finding_code": "false_certification", "decision_number": "x"},
        ),
        403,
        "outside_jurisdiction",
    )
    finding = _propose(client, as_regulator)
    problem(
        client.post(f"/personnel-findings/{finding}/ban", headers=as_regulator, json={}),
        409,
        "finding_not_confirmed",
    )
    decide = {"confirm": True}
    problem(
        client.post(f"/personnel-findings/{finding}/decision", headers=as_regulator, json=decide),
        409,
        "objection_window_open",
    )
    r = client.post(
        f"/personnel-findings/{finding}/objection",
        headers=as_body_a,
        json={"objection": "the audit took place"},
    )
    assert r.status_code == 200
    r = client.post(f"/personnel-findings/{finding}/decision", headers=as_regulator, json=decide)
    assert r.json()["status"] == "confirmed"
    r = client.post(
        f"/personnel-findings/{finding}/ban", headers=as_regulator, json={"until": None}
    )
    assert r.status_code == 200, r.text
    assert r.json()["flagged_certificates"] == 1 and r.json()["person"]["status"] == "banned"
    problem(
        client.post("/certificates", headers=as_body_a, json=certificate("P-9")),
        409,
        "signer_banned",
    )
    flags = client.get("/review-flags", headers=as_body_a).json()
    assert [(f["number"], f["registration_no"]) for f in flags] == [
        (issued, SIGNER_A["registration_no"])
    ]
    assert client.get("/review-flags", headers=as_regulator).json() == flags
    record = client.get(f"/personnel/{SIGNER_A['registration_no']}", headers=as_regulator).json()
    assert record["findings"][0]["status"] == "confirmed" and record["banned_until"] is None
    assert client.get(f"/bodies/{BODY_A}/personnel").json() == []  # banned: not listed as active


def test_ban_no_heavier_than_the_finding_allows(
    client: TestClient, engine: Engine, bodies: None, as_regulator: dict[str, str]
) -> None:
    finding = _propose(client, as_regulator, code="practising_in_two_bodies")
    _close_window(engine, finding)
    assert (
        client.post(
            f"/personnel-findings/{finding}/decision", headers=as_regulator, json={"confirm": True}
        ).status_code
        == 200
    )
    problem(
        client.post(
            f"/personnel-findings/{finding}/ban", headers=as_regulator, json={"until": None}
        ),
        422,
        "ban_exceeds_finding",
    )
    too_long = (date.today() + timedelta(days=3 * 365)).isoformat()
    problem(
        client.post(
            f"/personnel-findings/{finding}/ban", headers=as_regulator, json={"until": too_long}
        ),
        422,
        "ban_exceeds_finding",
    )
    ok = (date.today() + timedelta(days=365)).isoformat()
    r = client.post(f"/personnel-findings/{finding}/ban", headers=as_regulator, json={"until": ok})
    assert r.status_code == 200 and r.json()["person"]["banned_until"] == ok


def test_withdrawn_finding_allows_no_ban(
    client: TestClient,
    engine: Engine,
    bodies: None,
    as_regulator: dict[str, str],
    as_body_a: dict[str, str],
) -> None:
    finding = _propose(client, as_regulator)
    _close_window(engine, finding)
    problem(
        client.post(
            f"/personnel-findings/{finding}/objection",
            headers=as_body_a,
            json={"objection": "late"},
        ),
        409,
        "objection_window_closed",
    )
    r = client.post(
        f"/personnel-findings/{finding}/decision", headers=as_regulator, json={"confirm": False}
    )
    assert r.json()["status"] == "withdrawn"
    problem(
        client.post(f"/personnel-findings/{finding}/ban", headers=as_regulator, json={}),
        409,
        "finding_not_confirmed",
    )
    problem(
        client.post(
            f"/personnel-findings/{finding}/decision", headers=as_regulator, json={"confirm": True}
        ),
        409,
        "finding_decided",
    )
