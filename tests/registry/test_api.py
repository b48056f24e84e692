"""Registry API on SQLite and PostgreSQL: lifecycle, verification, errors, authorization."""

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.registry.conftest import BODY_A, HOLDER, certificate


def problem(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["code"] == code, body
    return body


def test_issue_and_verify_publicly(client: TestClient, issued: str) -> None:
    r = client.get(f"/public/certificates/{issued}")
    assert r.status_code == 200
    view = r.json()
    assert view["status"] == "valid"
    assert view["holder"] == {"uscc": HOLDER, "name": "杭州安源电器有限公司"}
    assert view["body"]["id"] == BODY_A and view["body"]["accreditation_status"] == "active"
    assert view["scheme"]["compulsory"] is True
    assert view["joint_punishment"] == []
    # the signer by name and registration number only (issue 14); never the position or ids
    flat = r.text
    assert view["signer_registration_no"] == "CCAA-2019-123456" and "decision maker" not in flat
    assert '"id":' not in flat.replace('"body":{"id":', "")


def test_lifecycle_with_history(
    client: TestClient, issued: str, as_body_a: dict[str, str], as_holder: dict[str, str]
) -> None:
    for action, code, expected in (
        ("suspend", "surveillance_nonconformity", "suspended"),
        ("restore", "corrective_action_verified", "valid"),
        ("suspend", "surveillance_overdue", "suspended"),
        ("revoke", "suspension_not_remedied", "revoked"),
    ):
        r = client.post(
            f"/certificates/{issued}/{action}",
            headers=as_body_a,
            json={"reason_code": code, "reason": "audit report 42"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == expected
    full = client.get(f"/certificates/{issued}", headers=as_holder).json()
    assert [h["action"] for h in full["history"]] == [
        "issue",
        "suspend",
        "restore",
        "suspend",
        "revoke",
    ]
    assert full["history"][1]["reason"] == "audit report 42"
    assert full["history"][1]["actor"] == "certification_body:cqc-officer"


def test_illegal_transition_is_409_with_current_state(
    client: TestClient, issued: str, as_body_a: dict[str, str]
) -> None:
    r = client.post(
        f"/certificates/{issued}/restore",
        headers=as_body_a,
        json={"reason_code": "corrective_action_verified"},
    )
    body = problem(r, 409, "illegal_transition")
    assert body["current_status"] == "valid"


def test_unknown_reason_code_lists_allowed(
    client: TestClient, issued: str, as_body_a: dict[str, str]
) -> None:
    r = client.post(
        f"/certificates/{issued}/suspend", headers=as_body_a, json={"reason_code": "because"}
    )
    body = problem(r, 422, "unknown_reason_code")
    assert "misuse_of_mark" in body["allowed"]


def test_renewal_replaces(client: TestClient, issued: str, as_body_a: dict[str, str]) -> None:
    successor = certificate("CCC-2026-000002")
    r = client.post(
        f"/certificates/{issued}/renew", headers=as_body_a, json={"successor": successor}
    )
    assert r.status_code == 201, r.text
    assert r.json()["replaces_number"] == issued
    old = client.get(f"/public/certificates/{issued}").json()
    assert old["status"] == "replaced" and old["replaced_by_number"] == "CCC-2026-000002"


def test_expired_by_date_shows_expired_before_the_job(
    client: TestClient, bodies: None, as_body_a: dict[str, str], engine: Engine
) -> None:
    today = date.today()
    r = client.post(
        "/certificates",
        headers=as_body_a,
        json=certificate(
            "CCC-OLD-1",
            issue_date=(today - timedelta(days=400)).isoformat(),
            expiry_date=(today - timedelta(days=1)).isoformat(),
        ),
    )
    assert r.status_code == 201
    assert client.get("/public/certificates/CCC-OLD-1").json()["status"] == "expired"

    from services.registry.service_layer.services import expire_due
    from services.registry.service_layer.unit_of_work import RegistryUnitOfWork

    assert expire_due(RegistryUnitOfWork(engine), today) == 1
    assert expire_due(RegistryUnitOfWork(engine), today) == 0
    full = client.get("/certificates/CCC-OLD-1", headers=as_body_a).json()
    assert full["history"][-1]["action"] == "expire"


def test_bad_inputs_are_problem_json(
    client: TestClient, bodies: None, as_body_a: dict[str, str]
) -> None:
    problem(
        client.post(
            "/certificates", headers=as_body_a, json=certificate(holder_uscc="91330100MA2ABCDEXX")
        ),
        422,
        "uscc_checksum",
    )
    problem(
        client.post(
            "/certificates", headers=as_body_a, json=certificate(holder_uscc="91330100MA2ABCDEIR")
        ),
        422,
        "uscc_character",
    )
    problem(
        client.post("/certificates", headers=as_body_a, json=certificate(scheme="NOPE")),
        422,
        "unknown_scheme",
    )
    problem(
        client.post("/certificates", headers=as_body_a, json=certificate(product_model=None)),
        422,
        "product_required",
    )
    problem(
        client.post("/certificates", headers=as_body_a, json=certificate(expiry_date="2020-01-01")),
        422,
        "invalid_validity",
    )
    problem(
        client.post("/certificates", headers=as_body_a, json=certificate(expiry_date="2099-01-01")),
        422,
        "validity_too_long",
    )
    problem(
        client.post("/certificates", headers=as_body_a, json={"number": "x"}),
        422,
        "validation_error",
    )
    problem(
        client.post(
            "/certificates",
            headers=as_body_a,
            content=b"{not json",
        ),
        422,
        "validation_error",
    )
    problem(client.get("/public/changes?cursor=garbage"), 422, "invalid_cursor")
    problem(
        client.post("/public/certificates/verify", json={"numbers": ["A"] * 1001}),
        422,
        "validation_error",
    )
    problem(client.get("/public/certificates/NOPE-1"), 404, "certificate_not_found")


def test_duplicate_number_is_409_and_nothing_half_written(
    client: TestClient, issued: str, as_body_a: dict[str, str], engine: Engine
) -> None:
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM outbox")).scalar()
    problem(
        client.post("/certificates", headers=as_body_a, json=certificate()),
        409,
        "duplicate_certificate_number",
    )
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox")).scalar() == before
        assert conn.execute(text("SELECT count(*) FROM certificate")).scalar() == 1


def test_body_not_active_cannot_issue_and_withdrawal_shows(
    client: TestClient,
    issued: str,
    as_national: dict[str, str],
    as_national_2: dict[str, str],
    as_body_a: dict[str, str],
) -> None:
    r = client.post(
        f"/bodies/{BODY_A}/accreditation",
        headers=as_national,
        json={"status": "withdrawn", "reason_code": "false_certification"},
    )
    assert r.status_code == 202, r.text
    r = client.post(f"/bodies/{BODY_A}/accreditation/withdrawal/approval", headers=as_national_2)
    assert r.status_code == 200, r.text
    problem(
        client.post("/certificates", headers=as_body_a, json=certificate("CCC-2026-000009")),
        409,
        "body_not_active",
    )
    view = client.get(f"/public/certificates/{issued}").json()
    assert view["status"] == "valid"
    assert view["body"]["accreditation_status"] == "withdrawn"
    problem(
        client.post(
            f"/bodies/{BODY_A}/accreditation",
            headers=as_national,
            json={"status": "active", "reason_code": "corrective_action_verified"},
        ),
        409,
        "illegal_transition",
    )


def test_bulk_verification(client: TestClient, issued: str) -> None:
    r = client.post("/public/certificates/verify", json={"numbers": [issued, "MISSING-1"]})
    assert r.status_code == 200
    items = r.json()["items"]
    assert items[0]["found"] and items[0]["status"] == "valid"
    assert items[1] == {"number": "MISSING-1", "found": False}


def test_search_by_holder_paginates(
    client: TestClient, bodies: None, as_body_a: dict[str, str]
) -> None:
    for i in range(5):
        assert (
            client.post(
                "/certificates", headers=as_body_a, json=certificate(f"CCC-P-{i}")
            ).status_code
            == 201
        )
    seen, cursor = [], None
    while True:
        params = {"holder_uscc": HOLDER, "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/public/certificates", params=params).json()
        seen += [c["number"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"CCC-P-{i}" for i in range(5)]
    by_name = client.get("/public/certificates", params={"holder_name": "安源"}).json()
    assert len(by_name["items"]) == 5
    problem(client.get("/public/certificates"), 422, "search_criteria_required")


def test_change_feed_pages_without_gaps(
    client: TestClient, issued: str, as_body_a: dict[str, str]
) -> None:
    client.post(
        f"/certificates/{issued}/suspend", headers=as_body_a, json={"reason_code": "misuse_of_mark"}
    )
    first = client.get("/public/changes", params={"limit": 2}).json()
    rest = client.get("/public/changes", params={"cursor": first["next_cursor"]}).json()
    seqs = [c["sequence"] for c in first["items"] + rest["items"]]
    assert seqs == sorted(set(seqs))
    assert [c["change"] for c in first["items"] + rest["items"]][-2:] == ["issued", "suspend"]
    again = client.get("/public/changes", params={"cursor": rest["next_cursor"]}).json()
    assert again["items"] == [] and again["next_cursor"] == rest["next_cursor"]


def test_statistics(client: TestClient, issued: str, as_body_a: dict[str, str]) -> None:
    client.post(
        "/certificates",
        headers=as_body_a,
        json=certificate(
            "ISO-1",
            scheme="ISO9001",
            product_name=None,
            product_model=None,
            expiry_date=(date.today() + timedelta(days=700)).isoformat(),
        ),
    )
    stats = client.get("/public/statistics").json()
    assert stats["certificates_by_status"] == {"valid": 2}
    assert stats["certificates_by_scheme_and_status"]["ISO9001"] == {"valid": 1}
    assert stats["certified_enterprises"] == 1
    assert stats["valid_by_region"]["330100"]["certified_enterprises"] == 1


def test_health_ready_metrics(client: TestClient, issued: str) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")  # no broker configured at the default address here
    assert ready.status_code in (200, 503)
    assert ready.json()["checks"]["database"] == "ok"
    metrics = client.get("/metrics").text
    assert 'outbox_backlog{service="registry"}' in metrics
    assert 'route="/public/certificates/{number}"' in metrics or "http_requests_total" in metrics


def test_legacy_holder_code_is_honoured_when_configured(
    client: TestClient, bodies: None, as_body_a: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One legacy list for every service (issue 14): a legal code failing a check is certified."""
    legacy = HOLDER[:17] + ("0" if HOLDER[17] != "0" else "1")
    r = client.post(
        "/certificates", headers=as_body_a, json=certificate("LEG-1", holder_uscc=legacy)
    )
    problem(r, 422, "uscc_checksum")
    monkeypatch.setenv("USCC_LEGACY_CODES", f'["{legacy}"]')
    r = client.post(
        "/certificates", headers=as_body_a, json=certificate("LEG-1", holder_uscc=legacy)
    )
    assert r.status_code == 201, r.text
