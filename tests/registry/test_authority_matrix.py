"""Role x route matrix for the registry (issue 10): every cell asserted, on both databases.

Callers: anonymous, enterprise own/other, body own/other, and regulators at every level in and
out of the holder's region. The holder is registered in 330102 (a Hangzhou district).
"""

import httpx
import pytest
from fastapi.testclient import TestClient

from services.registry.config import RegistrySettings
from shared import uscc
from tests.registry.conftest import BODY_A, BODY_B, SIGNER_B, bearer, certificate

DISTRICT_HOLDER = uscc.make("91330102MA2ABCDE")
OTHER = uscc.make("9111000010001234")


def _regulator(level: str, region: str, sub: str = "") -> dict[str, str]:
    return {
        "role": "regulator",
        "sub": sub or f"{level}-{region}",
        "authority_level": level,
        "region_code": region,
        "department": "AMR",
    }


CALLERS: dict[str, dict[str, str] | None] = {
    "anonymous": None,
    "enterprise_own": {"role": "enterprise", "sub": "e1", "uscc": DISTRICT_HOLDER},
    "enterprise_other": {"role": "enterprise", "sub": "e2", "uscc": OTHER},
    "body_own": {"role": "certification_body", "sub": "b1", "body_id": BODY_A},
    "body_other": {"role": "certification_body", "sub": "b2", "body_id": BODY_B},
    "county_in": _regulator("county", "330102"),
    "county_out": _regulator("county", "330106"),
    "municipal_in": _regulator("municipal", "330100"),
    "municipal_out": _regulator("municipal", "330200"),
    "provincial_in": _regulator("provincial", "330000"),
    "provincial_out": _regulator("provincial", "320000"),
    "national": _regulator("national", "100000"),
}
LOWER_REGULATORS = [c for c in CALLERS if c.split("_")[0] in ("county", "municipal", "provincial")]


def _headers(settings: RegistrySettings, caller: str) -> dict[str, str]:
    claims = CALLERS[caller]
    return bearer(settings, **claims) if claims else {}


def _expected_governance(caller: str, allowed: int) -> tuple[int, str | None]:
    if caller == "anonymous":
        return 401, "unauthenticated"
    if caller.startswith(("enterprise", "body")):
        return 403, "role_not_allowed"
    if caller == "national":
        return allowed, None
    return 403, "authority_level_too_low"


def _check(r: httpx.Response, expected: tuple[int, str | None]) -> None:
    status, code = expected
    assert r.status_code == status, r.text
    if code:
        assert r.json()["code"] == code, r.text


@pytest.mark.parametrize("caller", list(CALLERS))
def test_body_governance_is_national_only(
    client: TestClient, bodies: None, settings: RegistrySettings, caller: str
) -> None:
    h = _headers(settings, caller)
    new_body = {
        "id": "CNCA-R-2020-999",
        "name": "新认证有限公司",
        "uscc": uscc.make("91330102MA2NEWBD"),
        "region_code": "330102",
        "approved_schemes": ["ISO9001"],
    }
    _check(client.post("/bodies", headers=h, json=new_body), _expected_governance(caller, 201))
    suspend = {"status": "suspended", "reason_code": "surveillance_finding"}
    r = client.post(f"/bodies/{BODY_A}/accreditation", headers=h, json=suspend)
    _check(r, _expected_governance(caller, 200))
    reinstate = {"status": "active", "reason_code": "corrective_action_verified"}
    r = client.post(f"/bodies/{BODY_A}/accreditation", headers=h, json=reinstate)
    _check(r, _expected_governance(caller, 200))
    withdraw = {"status": "withdrawn", "reason_code": "false_certification"}
    r = client.post(f"/bodies/{BODY_B}/accreditation", headers=h, json=withdraw)
    _check(r, _expected_governance(caller, 202))
    assert client.get(f"/bodies/{BODY_B}").json()["accreditation_status"] == "active"


def test_withdrawal_needs_a_second_national_regulator(
    client: TestClient,
    bodies: None,
    settings: RegistrySettings,
    as_national: dict[str, str],
    as_national_2: dict[str, str],
) -> None:
    withdraw = {"status": "withdrawn", "reason_code": "false_certification", "reason": "forged"}
    r = client.post(f"/bodies/{BODY_B}/accreditation", headers=as_national, json=withdraw)
    assert r.status_code == 202 and r.json()["withdrawal"]["status"] == "pending"
    r = client.post(f"/bodies/{BODY_B}/accreditation", headers=as_national, json=withdraw)
    assert r.status_code == 409 and r.json()["code"] == "withdrawal_already_proposed"
    own = client.post(f"/bodies/{BODY_B}/accreditation/withdrawal/approval", headers=as_national)
    assert own.status_code == 403 and own.json()["code"] == "second_approval_required"
    for caller in LOWER_REGULATORS:
        r = client.post(
            f"/bodies/{BODY_B}/accreditation/withdrawal/approval",
            headers=_headers(settings, caller),
        )
        assert r.status_code == 403, (caller, r.text)
    assert client.get(f"/bodies/{BODY_B}").json()["accreditation_status"] == "active"
    r = client.post(f"/bodies/{BODY_B}/accreditation/withdrawal/approval", headers=as_national_2)
    assert r.status_code == 200, r.text
    decided = r.json()
    assert decided["status"] == "approved"
    assert decided["proposed_by"] == "regulator:cnca-officer-1"
    assert decided["decided_by"] == "regulator:cnca-officer-2"
    assert client.get(f"/bodies/{BODY_B}").json()["accreditation_status"] == "withdrawn"
    r = client.get(f"/bodies/{BODY_B}/accreditation/withdrawal", headers=as_national)
    assert r.status_code == 404


def test_a_rejected_withdrawal_leaves_the_body_active(
    client: TestClient, bodies: None, as_national: dict[str, str], as_national_2: dict[str, str]
) -> None:
    withdraw = {"status": "withdrawn", "reason_code": "false_certification"}
    client.post(f"/bodies/{BODY_A}/accreditation", headers=as_national, json=withdraw)
    pending = client.get(f"/bodies/{BODY_A}/accreditation/withdrawal", headers=as_national_2)
    assert pending.status_code == 200 and pending.json()["proposed_by"].endswith("officer-1")
    r = client.post(f"/bodies/{BODY_A}/accreditation/withdrawal/rejection", headers=as_national_2)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert client.get(f"/bodies/{BODY_A}").json()["accreditation_status"] == "active"


def _supervision(caller: str, own_body_ok: int) -> int:
    """suspend/revoke: the issuing body, or a regulator whose region covers the holder's."""
    return {
        "anonymous": 401,
        "enterprise_own": 403,
        "enterprise_other": 403,
        "body_own": own_body_ok,
        "body_other": 404,
        "county_in": 200,
        "county_out": 403,
        "municipal_in": 200,
        "municipal_out": 403,
        "provincial_in": 200,
        "provincial_out": 403,
        "national": 200,
    }[caller]


def _body_only(caller: str) -> int:
    if caller == "anonymous":
        return 401
    if caller == "body_own":
        return 200
    if caller == "body_other":
        return 404
    return 403


@pytest.mark.parametrize("caller", list(CALLERS))
def test_certificate_routes(
    client: TestClient,
    bodies: None,
    settings: RegistrySettings,
    as_body_a: dict[str, str],
    caller: str,
) -> None:
    for number in ("C-S", "C-R", "C-C"):
        r = client.post(
            "/certificates",
            headers=as_body_a,
            json=certificate(number, holder_uscc=DISTRICT_HOLDER),
        )
        assert r.status_code == 201, r.text
    h = _headers(settings, caller)
    r = client.post("/certificates/C-S/suspend", headers=h, json={"reason_code": "misuse_of_mark"})
    assert r.status_code == _supervision(caller, 200), (caller, r.text)
    r = client.post("/certificates/C-R/revoke", headers=h, json={"reason_code": "fraud"})
    assert r.status_code == _supervision(caller, 200), (caller, r.text)
    r = client.post("/certificates/C-C/cancel", headers=h, json={"reason_code": "holder_surrender"})
    assert r.status_code == _body_only(caller), (caller, r.text)
    new = certificate("C-NEW", holder_uscc=DISTRICT_HOLDER)
    if caller == "body_other":  # each body's certificates are signed by its own signer
        new.update(signer_name=SIGNER_B["name"], signer_registration_no=SIGNER_B["registration_no"])
    r = client.post("/certificates", headers=h, json=new)
    assert r.status_code == {"anonymous": 401, "body_own": 201, "body_other": 201}.get(
        caller, 403
    ), (caller, r.text)
    view = client.get("/certificates/C-C", headers=h)
    assert view.status_code == 200
    full = "history" in view.json()
    in_jurisdiction = caller in ("county_in", "municipal_in", "provincial_in", "national")
    entitled = caller in ("body_own", "enterprise_own") or in_jurisdiction
    assert full == entitled, caller
    # a regulator outside the holder's region reads the full record only with a stated purpose
    stated = client.get("/certificates/C-C", headers=h, params={"purpose": "joint case ZJ-7"})
    assert ("history" in stated.json()) == (entitled or caller.endswith("_out")), caller


def test_cross_region_certificate_reads_are_audited_for_the_owning_region(
    client: TestClient,
    bodies: None,
    settings: RegistrySettings,
    as_body_a: dict[str, str],
) -> None:
    r = client.post(
        "/certificates", headers=as_body_a, json=certificate("C-A", holder_uscc=DISTRICT_HOLDER)
    )
    assert r.status_code == 201, r.text
    jiangsu = _headers(settings, "provincial_out")
    ningbo = _headers(settings, "municipal_out")
    assert "history" not in client.get("/certificates/C-A", headers=jiangsu).json()
    short = client.get("/certificates/C-A", headers={**jiangsu, "X-Access-Purpose": "x"})
    assert short.status_code == 422 and short.json()["code"] == "access_purpose_invalid"
    why = {**jiangsu, "X-Access-Purpose": "joint case JS-2026-3"}
    assert "history" in client.get("/certificates/C-A", headers=why).json()
    # in-jurisdiction reads are not logged; a purpose from inside changes nothing
    inside = {**_headers(settings, "county_in"), "X-Access-Purpose": "routine check"}
    assert "history" in client.get("/certificates/C-A", headers=inside).json()
    for owner in ("county_in", "municipal_in", "provincial_in", "national"):
        [entry] = client.get("/audit/cross-region-reads", headers=_headers(settings, owner)).json()
        assert entry["certificate_number"] == "C-A" and entry["uscc"] == DISTRICT_HOLDER
        assert (
            entry["owner_region"] == "330102" and entry["reader"] == "regulator:provincial-320000"
        )
        assert entry["reader_region"] == "320000" and entry["purpose"] == "joint case JS-2026-3"
    for outsider in (jiangsu, ningbo, _headers(settings, "county_out")):
        assert client.get("/audit/cross-region-reads", headers=outsider).json() == []
    for caller in ("anonymous", "enterprise_own", "body_own"):
        r = client.get("/audit/cross-region-reads", headers=_headers(settings, caller))
        assert r.status_code == (401 if caller == "anonymous" else 403), caller
