"""Who may do what: a body touches only its own certificates; others see public views."""

from fastapi.testclient import TestClient

from services.registry.config import RegistrySettings
from tests.registry.conftest import certificate


def test_anonymous_cannot_issue_or_register(client: TestClient, bodies: None) -> None:
    r = client.post("/certificates", json=certificate())
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    r = client.post("/bodies", json={})
    assert r.status_code == 401


def test_bad_token_is_401_not_anonymous(client: TestClient, issued: str) -> None:
    r = client.get(f"/certificates/{issued}", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"
    r = client.get(f"/certificates/{issued}", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401


def test_wrong_role_is_403(
    client: TestClient, bodies: None, as_holder: dict[str, str], as_body_a: dict[str, str]
) -> None:
    r = client.post("/certificates", headers=as_holder, json=certificate())
    assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"
    r = client.post(
        "/bodies",
        headers=as_body_a,
        json={"id": "X-1-2", "name": "n", "region_code": "110000", "approved_schemes": ["CCC"]},
    )
    assert r.status_code == 403


def test_body_cannot_touch_another_bodys_certificate(
    client: TestClient, issued: str, as_body_b: dict[str, str]
) -> None:
    for action, code in (
        ("suspend", "misuse_of_mark"),
        ("revoke", "fraud"),
        ("cancel", "holder_surrender"),
    ):
        r = client.post(
            f"/certificates/{issued}/{action}", headers=as_body_b, json={"reason_code": code}
        )
        assert r.status_code == 404 and r.json()["code"] == "certificate_not_found"
    r = client.post(
        f"/certificates/{issued}/renew",
        headers=as_body_b,
        json={"successor": certificate("CCC-HIJACK")},
    )
    assert r.status_code == 404
    assert client.get(f"/public/certificates/{issued}").json()["status"] == "valid"
    # and its full view is not theirs either
    view = client.get(f"/certificates/{issued}", headers=as_body_b).json()
    assert "history" not in view and "signer_position" not in view
    listing = client.get("/certificates", headers=as_body_b).json()
    assert listing["items"] == []


def test_enterprise_sees_only_public_view_of_others(
    client: TestClient, issued: str, as_holder: dict[str, str], as_other_enterprise: dict[str, str]
) -> None:
    own = client.get(f"/certificates/{issued}", headers=as_holder).json()
    assert own["signer_registration_no"] == "CCAA-2019-123456" and own["history"]
    other = client.get(f"/certificates/{issued}", headers=as_other_enterprise).json()
    # the public view names the signer (name and registration number) and nothing more
    assert "history" not in other and "signer_position" not in other
    assert other["signer_registration_no"] == "CCAA-2019-123456"
    assert client.get("/certificates", headers=as_other_enterprise).json()["items"] == []
    assert len(client.get("/certificates", headers=as_holder).json()["items"]) == 1


def test_regulator_may_suspend_but_not_restore(
    client: TestClient, issued: str, as_regulator: dict[str, str]
) -> None:
    r = client.post(
        f"/certificates/{issued}/suspend",
        headers=as_regulator,
        json={"reason_code": "regulator_order"},
    )
    assert r.status_code == 200, r.text
    r = client.post(
        f"/certificates/{issued}/restore",
        headers=as_regulator,
        json={"reason_code": "corrective_action_verified"},
    )
    assert r.status_code == 403


def test_regulator_outside_jurisdiction(
    client: TestClient, issued: str, settings: RegistrySettings
) -> None:
    from tests.registry.conftest import bearer

    beijing = bearer(
        settings,
        role="regulator",
        sub="bj",
        authority_level="municipal",
        region_code="110100",
        department="BJAMR",
    )
    r = client.post(
        f"/certificates/{issued}/suspend", headers=beijing, json={"reason_code": "regulator_order"}
    )
    assert r.status_code == 403 and r.json()["code"] == "outside_jurisdiction"
