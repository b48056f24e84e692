"""Joint punishment across the three services, asserted through their public APIs.

All processes are real (uvicorn APIs, outbox relays, consumers), on PostgreSQL and the real
Kafka-protocol broker. ``wait_until`` bounds liveness only; nothing here times performance.
"""

import itertools
from typing import Any

import pytest

from devtools.testing.kafka import wait_until
from devtools.testing.system import System
from tests.e2e.conftest import (
    BODY,
    BODY_ID,
    BODY_USCC,
    NATIONAL,
    NATIONAL_2,
    REGULATOR,
    confirm_record_proposal,
    enterprise,
    issue,
    list_enterprise,
)

pytestmark = [pytest.mark.e2e, pytest.mark.broker]
counter = itertools.count()


def number() -> str:
    return f"E2E-{next(counter):05d}"


def barred(system: System, holder: str) -> dict | None:
    """Try to issue; the refusal's problem body once the registry bars the holder."""
    with system.client("registry", **BODY) as body:
        r = issue(body, number(), holder)
    if r.status_code == 409 and r.json()["code"] == "holder_barred":
        problem: dict[str, Any] = r.json()
        return problem
    assert r.status_code == 201, r.text
    return None


def test_listing_bars_new_certificates_and_delisting_reverses_it(system: System) -> None:
    holder = enterprise(1)
    first = number()
    with system.client("registry", **BODY) as body:
        assert issue(body, first, holder).status_code == 201
    listing_id = list_enterprise(
        system, holder, ["no_new_certificates", "increased_inspection_frequency"]
    )

    wait_until(lambda: barred(system, holder) is not None, timeout=30)
    refusal = barred(system, holder)
    assert refusal is not None and refusal["listing_id"] == listing_id
    assert "第十四条" in refusal["legal_basis"]

    def measures() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (
            system.client("registry")
            .get(f"/public/certificates/{first}")
            .json()["joint_punishment"]
        )
        return found

    wait_until(lambda: len(measures()) == 2)
    assert {m["measure"] for m in measures()} == {
        "no_new_certificates",
        "increased_inspection_frequency",
    }
    assert all(m["listing_id"] == listing_id and m["legal_basis"] for m in measures())

    with system.client("credit", **REGULATOR) as credit:
        r = credit.post(
            f"/listings/{listing_id}/removal",
            json={"reason": "basis_revoked", "note": "penalty annulled on review"},
        )
        assert r.status_code == 200, r.text
    wait_until(lambda: barred(system, holder) is None, timeout=30)
    wait_until(lambda: measures() == [])
    holder_changes = [
        c["change"]
        for c in system.client("registry")
        .get("/public/changes", params={"limit": 1000})
        .json()["items"]
        if c["entity"] == "holder" and c["key"] == holder
    ]
    assert sorted(holder_changes) == [
        "measure_applied:increased_inspection_frequency",
        "measure_applied:no_new_certificates",
        "measure_lifted:increased_inspection_frequency",
        "measure_lifted:no_new_certificates",
    ]


def test_revocation_for_cause_becomes_a_credit_record_and_regrades(system: System) -> None:
    holder = enterprise(2)
    cert = number()
    with system.client("registry", **BODY) as body:
        assert issue(body, cert, holder).status_code == 201
        r = body.post(
            f"/certificates/{cert}/revoke",
            json={"reason_code": "forgery", "reason": "forged type-test report"},
        )
        assert r.status_code == 200, r.text
    confirm_record_proposal(system, holder)

    def profile() -> dict | None:
        r = system.client("credit").get(f"/public/enterprises/{holder}")
        return r.json() if r.status_code == 200 else None

    wait_until(lambda: (p := profile()) is not None and p["risk_grade"]["grade"] != "A", timeout=30)
    with system.client("credit", **REGULATOR) as credit:
        file = credit.get(f"/enterprises/{holder}").json()
    [record] = file["records"]
    assert record["record_class"] == "certificate_revoked"
    assert record["source_service"] == "registry"


def test_accreditation_withdrawal_becomes_a_record_of_the_body(system: System) -> None:
    with system.client("registry", **NATIONAL) as reg:
        r = reg.post(
            "/bodies",
            json={
                "id": "CNCA-R-2009-077",
                "name": "某认证有限公司",
                "uscc": enterprise(77),
                "region_code": "330100",
                "approved_schemes": ["ISO9001"],
            },
        )
        assert r.status_code == 201, r.text
        r = reg.post(
            "/bodies/CNCA-R-2009-077/accreditation",
            json={"status": "withdrawn", "reason_code": "false_certification"},
        )
        assert r.status_code == 202, r.text  # proposed: a second regulator must approve
    with system.client("registry", **NATIONAL_2) as reg:
        r = reg.post("/bodies/CNCA-R-2009-077/accreditation/withdrawal/approval")
        assert r.status_code == 200, r.text
    confirm_record_proposal(system, enterprise(77))

    def records() -> list:
        with system.client("credit", **REGULATOR) as credit:
            r = credit.get(f"/enterprises/{enterprise(77)}")
            return r.json()["records"] if r.status_code == 200 else []

    wait_until(lambda: len(records()) == 1, timeout=30)
    assert records()[0]["record_class"] == "accreditation_withdrawn"


def test_lifetime_ban_of_a_body_withdraws_its_accreditation(system: System) -> None:
    with system.client("registry", **NATIONAL) as reg:
        r = reg.post(
            "/bodies",
            json={
                "id": "CNCA-R-2010-088",
                "name": "某虚假认证有限公司",
                "uscc": enterprise(88),
                "region_code": "330100",
                "approved_schemes": ["ISO9001"],
            },
        )
        assert r.status_code == 201, r.text
    list_enterprise(system, enterprise(88), ["lifetime_ban"], category="certification_body")

    def status() -> str:
        body = system.client("registry").get("/bodies/CNCA-R-2010-088").json()
        return str(body["accreditation_status"])

    wait_until(lambda: status() == "withdrawn", timeout=30)
    body = system.client("registry").get("/bodies/CNCA-R-2010-088").json()
    assert body["accreditation_reason_code"] == "lifetime_ban"
    assert BODY_ID and BODY_USCC  # the main body is untouched
    assert (
        system.client("registry").get(f"/bodies/{BODY_ID}").json()["accreditation_status"]
        == "active"
    )


def test_lifetime_ban_of_a_lab_reaches_the_inspection_lab_pool(system: System) -> None:
    """Issue 14: credit lists the lab with a lifetime ban -> the registry bans the lab ->
    inspection drops it from the lab pool of later draws."""
    from sqlalchemy import create_engine, text

    lab_uscc = enterprise(77)
    with system.client("registry", **REGULATOR) as reg:
        r = reg.post(
            "/labs",
            json={
                "id": "CNAS-L0077",
                "name": "某检测技术有限公司",
                "uscc": lab_uscc,
                "region_code": "330100",
                "accredited_categories": ["household_appliances"],
                "valid_until": "2030-12-31",
            },
        )
        assert r.status_code == 201, r.text
    engine = create_engine(system.urls["inspection"])

    def standing() -> tuple | None:
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT status, eligible FROM lab_standing WHERE lab_id = 'CNAS-L0077'")
            ).first()
        return tuple(row) if row else None

    wait_until(lambda: (s := standing()) is not None and s[0] == "active", timeout=30)
    list_enterprise(system, lab_uscc, ["lifetime_ban"], category="testing_lab")
    wait_until(lambda: (standing() or ("",))[0] == "banned", timeout=30)
    banned = standing()
    assert banned is not None and not banned[1]
    lab = system.client("registry").get("/labs/CNAS-L0077").json()
    assert (lab["status"], lab["status_reason_code"]) == ("banned", "lifetime_ban")
    engine.dispose()
