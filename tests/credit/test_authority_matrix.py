"""Role x route matrix for credit (issue 10): every caller against the file-changing and
file-reading routes of an enterprise registered in Hangzhou (330100)."""

import pytest
from fastapi.testclient import TestClient

from services.credit.config import CreditSettings
from tests.credit.conftest import HANGZHOU, NINGBO, bearer, record


def _reg(level: str, region: str) -> dict[str, str]:
    return {
        "role": "regulator",
        "sub": f"{level}-{region}",
        "authority_level": level,
        "region_code": region,
        "department": f"AMR-{region}",
    }


CALLERS: dict[str, dict[str, str] | None] = {
    "anonymous": None,
    "enterprise_own": {"role": "enterprise", "sub": "e1", "uscc": HANGZHOU},
    "enterprise_other": {"role": "enterprise", "sub": "e2", "uscc": NINGBO},
    "body": {"role": "certification_body", "sub": "b1", "body_id": "CNCA-R-2002-001"},
    "county_out": _reg("county", "330102"),
    "municipal_in": _reg("municipal", "330100"),
    "municipal_out": _reg("municipal", "330200"),
    "provincial_in": _reg("provincial", "330000"),
    "provincial_out": _reg("provincial", "320000"),
    "national": _reg("national", "100000"),
}
COVERING = {"municipal_in", "provincial_in", "national"}


def _write(caller: str) -> int:
    if caller == "anonymous":
        return 401
    if caller in ("enterprise_own", "enterprise_other", "body"):
        return 403
    return 201 if caller in COVERING else 403


@pytest.mark.parametrize("caller", list(CALLERS))
def test_credit_matrix(
    client: TestClient, settings: CreditSettings, enterprises: None, caller: str
) -> None:
    claims = CALLERS[caller]
    h = bearer(settings, **claims) if claims else {}
    r = client.post("/records", headers=h, json=record(decision_number=f"N-{caller}"))
    assert r.status_code == _write(caller), (caller, r.text)
    file = client.get(f"/enterprises/{HANGZHOU}", headers=h)
    assert file.status_code == 200
    full = "grade_history" in file.json()
    assert full == (caller in COVERING or caller == "enterprise_own"), caller
    notices = client.get(f"/enterprises/{HANGZHOU}/notices", headers=h)
    expected = (
        401
        if caller == "anonymous"
        else 200
        if caller in COVERING or caller == "enterprise_own"
        else 403
    )
    assert notices.status_code == expected, (caller, notices.text)
