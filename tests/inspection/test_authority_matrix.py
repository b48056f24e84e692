"""Role x route matrix for inspection rosters (issue 10): Hangzhou (330100) rows."""

import pytest
from fastapi.testclient import TestClient

from services.inspection.config import InspectionSettings
from tests.inspection.conftest import bearer, inspectors_csv, labs_csv, post_csv, units_csv
from tests.inspection.test_roster_authority import _only_city


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
    "enterprise": {"role": "enterprise", "sub": "e1", "uscc": "91330100MA2ABCDE1R"},
    "body": {"role": "certification_body", "sub": "b1", "body_id": "CNCA-R-2002-001"},
    "county_out": _reg("county", "330102"),
    "municipal_in": _reg("municipal", "330100"),
    "municipal_out": _reg("municipal", "330200"),
    "provincial_in": _reg("provincial", "330000"),
    "provincial_out": _reg("provincial", "320000"),
    "national": _reg("national", "100000"),
}
COVERING = {"municipal_in", "provincial_in", "national"}


def _not_allowed(caller: str) -> set[int]:
    if caller == "anonymous":
        return {401}
    if caller in ("enterprise", "body"):
        return {403}
    return {403, 422}  # 422: the file's rows lie outside the caller's region


@pytest.mark.parametrize("caller", list(CALLERS))
def test_roster_matrix(client: TestClient, settings: InspectionSettings, caller: str) -> None:
    claims = CALLERS[caller]
    h = bearer(settings, claims) if claims else {}
    units = _only_city(units_csv(6), "330100")
    inspectors = _only_city(inspectors_csv(), "330100")
    for path, text in (("units", units), ("inspectors", inspectors)):
        r = post_csv(client, f"/rosters/{path}/import", text, h)
        if caller in COVERING:
            assert r.status_code == 200, (caller, path, r.text)
        else:
            assert r.status_code in _not_allowed(caller), (caller, path, r.text)
    labs = _only_city(labs_csv(), "330100")
    r = post_csv(client, "/rosters/labs/import", labs, h)
    if caller in ("provincial_in", "national"):
        assert r.status_code == 200, (caller, r.text)
    else:
        assert r.status_code in _not_allowed(caller), (caller, r.text)
