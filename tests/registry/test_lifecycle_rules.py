"""Lifecycle as the rules have it: surrender while suspended, maximum suspension, transfer to
another approved body, and the end of a withdrawn body's certificates."""

import json
from datetime import date, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col

from services.registry.adapters.orm import BodyRow, CertificateRow
from services.registry.domain.lifecycle_rules import LifecycleRules, load_rules
from services.registry.service_layer.lifecycle import (
    end_certificates_of_withdrawn_bodies,
    enforce_suspension_limits,
)
from services.registry.service_layer.unit_of_work import RegistryUnitOfWork
from shared.clock import today_in_china, utcnow
from tests.registry.conftest import BODY_A, BODY_B, SIGNER_B, certificate
from tests.registry.test_api import problem


def _by_b(number: str, **overrides: object) -> dict:
    """A successor certificate signed by body B's own registered signer."""
    signer = {
        "signer_name": SIGNER_B["name"],
        "signer_registration_no": SIGNER_B["registration_no"],
    }
    return certificate(number, **signer, **overrides)


def _suspend(
    client: TestClient,
    number: str,
    headers: dict[str, str],
    reason: str = "surveillance_nonconformity",
) -> None:
    r = client.post(
        f"/certificates/{number}/suspend", headers=headers, json={"reason_code": reason}
    )
    assert r.status_code == 200, r.text


def _backdate_status(engine: Engine, number: str, days: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(CertificateRow)
            .where(col(CertificateRow.number) == number)
            .values(status_changed_at=utcnow() - timedelta(days=days))
        )


def test_surrender_while_suspended(
    client: TestClient, issued: str, as_body_a: dict[str, str]
) -> None:
    _suspend(client, issued, as_body_a)
    r = client.post(
        f"/certificates/{issued}/cancel",
        headers=as_body_a,
        json={"reason_code": "holder_surrender"},
    )
    assert r.status_code == 200 and r.json()["status"] == "cancelled"


def test_restore_after_the_maximum_is_refused(
    client: TestClient, engine: Engine, issued: str, as_body_a: dict[str, str]
) -> None:
    _suspend(client, issued, as_body_a)
    _backdate_status(engine, issued, 181)
    r = client.post(
        f"/certificates/{issued}/restore",
        headers=as_body_a,
        json={"reason_code": "corrective_action_verified"},
    )
    body = problem(r, 409, "suspension_limit_passed")
    assert body["max_days"] == 180 and "2008" in body["source"]


def test_scheduler_revokes_suspensions_past_their_maximum(
    client: TestClient, engine: Engine, issued: str, as_body_a: dict[str, str]
) -> None:
    _suspend(client, issued, as_body_a)
    rules = LifecycleRules()
    _backdate_status(engine, issued, 170)
    assert enforce_suspension_limits(RegistryUnitOfWork(engine), rules, today_in_china()) == 0
    _backdate_status(engine, issued, 182)
    assert enforce_suspension_limits(RegistryUnitOfWork(engine), rules, today_in_china()) == 1
    view = client.get(f"/certificates/{issued}", headers=as_body_a).json()
    assert (view["status"], view["status_reason_code"]) == ("revoked", "suspension_not_remedied")
    assert view["history"][-1]["actor"] == "system:suspension-limit"


def test_holder_requested_suspension_may_last_longer(
    client: TestClient, engine: Engine, issued: str, as_body_a: dict[str, str]
) -> None:
    _suspend(client, issued, as_body_a, reason="holder_request")
    _backdate_status(engine, issued, 200)
    assert (
        enforce_suspension_limits(RegistryUnitOfWork(engine), LifecycleRules(), today_in_china())
        == 0
    )


def test_configured_rules_need_a_source(
    tmp_path: Path, client: TestClient, engine: Engine, issued: str, as_body_a: dict[str, str]
) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"suspension": {"CCC": {"max_days": 30}}}))
    try:
        load_rules(path)
    except ValueError as exc:
        assert "source" in str(exc)
    else:
        raise AssertionError("a rule without its source was accepted")
    path.write_text(
        json.dumps({"suspension": {"CCC": {"max_days": 30, "source": "provincial notice 7"}}})
    )
    rules = load_rules(path)
    _suspend(client, issued, as_body_a)
    _backdate_status(engine, issued, 40)
    assert enforce_suspension_limits(RegistryUnitOfWork(engine), rules, today_in_china()) == 1
    listed = client.get("/lifecycle-rules").json()
    assert listed["suspension"]["CCC"]["max_days"] == 180 and listed["suspension"]["CCC"]["source"]


def test_transfer_to_another_approved_body(
    client: TestClient,
    issued: str,
    as_body_a: dict[str, str],
    as_body_b: dict[str, str],
    as_regulator: dict[str, str],
) -> None:
    successor = _by_b("ZJ-2026-000001")
    problem(
        client.post(
            f"/certificates/{issued}/transfer", headers=as_body_a, json={"successor": successor}
        ),
        409,
        "transfer_to_self",
    )
    too_long = _by_b(
        "ZJ-2026-000001", expiry_date=(date.today() + timedelta(days=5 * 365)).isoformat()
    )
    problem(
        client.post(
            f"/certificates/{issued}/transfer", headers=as_body_b, json={"successor": too_long}
        ),
        422,
        "transfer_extends_validity",
    )
    r = client.post(
        f"/certificates/{issued}/transfer", headers=as_body_b, json={"successor": successor}
    )
    assert r.status_code == 201, r.text
    assert r.json()["replaces_number"] == issued and r.json()["body"]["id"] == BODY_B
    old = client.get(f"/public/certificates/{issued}").json()
    assert (old["status"], old["status_reason_code"], old["replaced_by_number"]) == (
        "replaced",
        "transfer_to_other_body",
        "ZJ-2026-000001",
    )
    mapping = client.get("/public/transfers").json()["items"]
    assert [
        (m["from_number"], m["from_body_id"], m["to_number"], m["to_body_id"]) for m in mapping
    ] == [(issued, BODY_A, "ZJ-2026-000001", BODY_B)]
    history = client.get(f"/certificates/{issued}", headers=as_regulator).json()["history"]
    assert [h["action"] for h in history] == ["issue", "replace"]


def test_transfer_to_a_body_not_approved_is_refused(
    client: TestClient, issued: str, as_body_b: dict[str, str], as_national: dict[str, str]
) -> None:
    r = client.post(
        f"/bodies/{BODY_B}/accreditation",
        headers=as_national,
        json={"status": "suspended", "reason_code": "surveillance_finding"},
    )
    assert r.status_code == 200, r.text
    r = client.post(
        f"/certificates/{issued}/transfer",
        headers=as_body_b,
        json={"successor": _by_b("ZJ-1")},
    )
    problem(r, 409, "body_not_active")
    assert client.get(f"/public/certificates/{issued}").json()["status"] == "valid"  # unchanged


def test_withdrawn_bodys_certificates_end_after_the_transfer_period(
    client: TestClient,
    engine: Engine,
    issued: str,
    as_body_a: dict[str, str],
    as_national: dict[str, str],
    as_national_2: dict[str, str],
) -> None:
    r = client.post(
        f"/bodies/{BODY_A}/accreditation",
        headers=as_national,
        json={"status": "withdrawn", "reason_code": "false_certification"},
    )
    assert r.status_code in (200, 202), r.text
    r = client.post(f"/bodies/{BODY_A}/accreditation/withdrawal/approval", headers=as_national_2)
    assert r.status_code == 200, r.text
    rules = LifecycleRules()
    assert end_certificates_of_withdrawn_bodies(RegistryUnitOfWork(engine), rules) == 0
    with engine.begin() as conn:
        conn.execute(
            update(BodyRow)
            .where(col(BodyRow.id) == BODY_A)
            .values(accreditation_changed_at=utcnow() - timedelta(days=181))
        )
    assert end_certificates_of_withdrawn_bodies(RegistryUnitOfWork(engine), rules) == 1
    view = client.get(f"/public/certificates/{issued}").json()
    assert (view["status"], view["status_reason_code"]) == ("cancelled", "issuing_body_withdrawn")
    assert view["body"]["accreditation_status"] == "withdrawn"
