"""Issue 10: roster rows are changed only by an authority covering their current region."""

import csv
import io

from fastapi.testclient import TestClient

from services.inspection.config import InspectionSettings
from tests.inspection.conftest import HZ, bearer, inspectors_csv, labs_csv, post_csv, units_csv

NINGBO = {**HZ, "sub": "nb-amr-1", "region_code": "330200", "department": "NBAMR"}
HZ_COUNTY = {**HZ, "sub": "sc-amr-1", "authority_level": "county", "region_code": "330102"}


def _only_city(text: str, city: str, *, new_city: str | None = None) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], [r for r in rows[1:] if city in r]
    region = header.index("region_code")
    if new_city:
        for r in body:
            r[region] = new_city
    out = io.StringIO()
    csv.writer(out).writerows([header, *body])
    return out.getvalue()


def test_a_city_cannot_take_over_another_citys_rows(
    client: TestClient, settings: InspectionSettings, as_zj: dict[str, str]
) -> None:
    hz, nb = bearer(settings, HZ), bearer(settings, NINGBO)
    units = _only_city(units_csv(12), "330100")
    assert post_csv(client, "/rosters/units/import", units, hz).status_code == 200
    inspectors = _only_city(inspectors_csv(), "330100")
    assert post_csv(client, "/rosters/inspectors/import", inspectors, hz).status_code == 200
    # Ningbo re-imports Hangzhou's ids with its own region and another risk class
    hijack = _only_city(units, "330100", new_city="330200").replace(",A\r\n", ",D\r\n")
    r = post_csv(client, "/rosters/units/import", hijack, nb)
    assert r.status_code == 403 and r.json()["code"] == "roster_row_outside_jurisdiction"
    r = post_csv(
        client,
        "/rosters/inspectors/import",
        _only_city(inspectors, "330100", new_city="330200"),
        nb,
    )
    assert r.status_code == 403 and r.json()["code"] == "roster_row_outside_jurisdiction"
    # the province covers both cities and may move a row
    moved = _only_city(units, "330100", new_city="330200")
    assert post_csv(client, "/rosters/units/import", moved, as_zj).status_code == 200


def test_labs_need_a_provincial_authority(
    client: TestClient, settings: InspectionSettings, as_zj: dict[str, str]
) -> None:
    for claims in (HZ, HZ_COUNTY):
        r = post_csv(client, "/rosters/labs/import", labs_csv(), bearer(settings, claims))
        assert r.status_code == 403 and r.json()["code"] == "authority_level_too_low", r.text
    assert post_csv(client, "/rosters/labs/import", labs_csv(), as_zj).status_code == 200


def test_every_change_is_kept_in_the_roster_history(
    client: TestClient, settings: InspectionSettings, as_zj: dict[str, str]
) -> None:
    hz = bearer(settings, HZ)
    inspectors = _only_city(inspectors_csv(), "330100")
    assert post_csv(client, "/rosters/inspectors/import", inspectors, hz).status_code == 200
    assert post_csv(client, "/rosters/inspectors/import", inspectors, hz).status_code == 200
    moved = _only_city(inspectors, "330100", new_city="330102")
    assert post_csv(client, "/rosters/inspectors/import", moved, as_zj).status_code == 200
    r = client.get("/rosters/inspector/INS-330100-0/history", headers=as_zj)
    assert r.status_code == 200, r.text
    created, updated = r.json()  # the identical re-import left no entry
    assert created["change"] == "created" and created["actor"] == "regulator:hz-amr-1"
    assert updated["change"] == "updated" and updated["actor"] == "regulator:zj-amr-1"
    assert updated["before"]["region_code"] == "330100"
    assert updated["after"]["region_code"] == "330102"
    nb = bearer(settings, NINGBO)
    assert client.get("/rosters/inspector/INS-330100-0/history", headers=nb).status_code == 404
