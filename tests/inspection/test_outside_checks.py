"""Checks from elsewhere (issue 13, item 5): other authorities' checks imported by CSV or API
with their provenance count for the six-month rule exactly like local ones; bad rows are
reported by line and nothing is half-imported; duplicates are detected."""

import csv
import io

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from services.inspection.config import InspectionSettings
from services.inspection.domain.outside_checks import COLUMNS
from services.inspection.entrypoints.api import create_app
from tests.inspection.conftest import (
    as_enterprise,
    create_plan,
    enterprise_uscc,
    freeze,
    post_csv,
    sampled,
    tasks_of,
)

ALL = {"strata": [{"risk_classes": ["A", "B", "C", "D"], "ratio": "1"}]}


def _row(i: int, **overrides: str) -> dict[str, str]:
    """An outside pass of roster unit ``i`` (conftest.units_csv), the model typed differently."""
    row = {
        "enterprise_uscc": enterprise_uscc(i // 2, ("330100", "330200", "330300")[(i // 2) % 3]),
        "product_name": "Electric kettle" if i % 2 == 0 else "Plush toy",
        "model": f"m－{i}",  # full-width dash, lower case: the same unit as "M-{i}"
        "authority": "江苏省市场监督管理局",
        "authority_level": "provincial",
        "region_code": "320000",
        "plan_reference": "苏市监抽〔2026〕12号",
        "check_type": "supervisory_spot_check",
        "outcome": "pass",
        "sampling_date": sampled(3),
    }
    return {**row, **overrides}


def _csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*COLUMNS, "report_number"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_an_imported_outside_pass_excludes_the_unit_from_a_draw(
    client: TestClient, roster: list[str], as_zj: dict[str, str]
) -> None:
    r = post_csv(client, "/outside-checks/import", _csv([_row(4)]), as_zj)
    assert r.status_code == 200, r.text
    [check_id] = r.json()["ids"]
    detail = client.get(f"/outside-checks/{check_id}", headers=as_zj).json()
    assert detail["unit_id"] == roster[4] and detail["authority"] == "江苏省市场监督管理局"
    assert (detail["plan_reference"], detail["source"]) == ("苏市监抽〔2026〕12号", "csv")

    plan_id = create_plan(client, as_zj, sampling=ALL)
    snap = freeze(client, as_zj, plan_id)
    assert snap["excluded_count"] == 1 and snap["unit_count"] == len(roster) - 1
    excluded = client.get(f"/public/snapshots/{snap['id']}/exclusions").json()["items"]
    assert [(e["unit_id"], e["rule"]) for e in excluded] == [(roster[4], "six_month_pass")]
    assert excluded[0]["cause"]["plan_id"] == check_id
    assert excluded[0]["cause"]["authority_level"] == "provincial"
    # imported after the freeze: a late exclusion of the draw, as a local result would be
    r = client.post("/outside-checks", headers=as_zj, json={"records": [_row(7)]})
    assert r.status_code == 200 and r.json()["imported"] == 1, r.text
    made = client.post(f"/snapshots/{snap['id']}/draw", headers=as_zj, json={})
    assert made.status_code == 201, made.text
    drawn = {t["unit_id"] for t in tasks_of(client, as_zj, plan_id)}
    assert roster[4] not in drawn and roster[7] not in drawn
    assert len(drawn) == len(roster) - 2


def test_bad_rows_by_line_and_nothing_half_imported(
    client: TestClient,
    roster: list[str],
    as_zj: dict[str, str],
    as_hz: dict[str, str],
    settings: InspectionSettings,
) -> None:
    rows = [
        _row(0),
        _row(1, authority_level="township", sampling_date="2026-02-30"),
        _row(2, enterprise_uscc="91330100MA2ABCDE1X", outcome=""),
    ]
    r = post_csv(client, "/outside-checks/import", _csv(rows), as_zj)
    assert r.status_code == 422 and r.json()["code"] == "import_rows_invalid", r.text
    problems = {(e["row"], e["field"], e["code"]) for e in r.json()["errors"]}
    assert {
        (3, "authority_level"),
        (3, "sampling_date"),
        (4, "enterprise_uscc"),
        (4, "outcome"),
    } == {(row, field) for row, field, _ in problems}
    assert (3, "sampling_date", "invalid_date") in problems
    # the good first row was not imported: it imports now, once
    r = post_csv(client, "/outside-checks/import", _csv([_row(0)]), as_zj)
    assert r.status_code == 200 and r.json()["imported"] == 1, r.text
    # JSON: the bad record's index; a Hangzhou regulator cannot enter a Ningbo unit's check
    r = client.post(
        "/outside-checks", headers=as_zj, json={"records": [_row(5), _row(6, outcome="ok")]}
    )
    assert r.status_code == 422 and [e["row"] for e in r.json()["errors"]] == [1]
    r = client.post("/outside-checks", headers=as_hz, json={"records": [_row(1), _row(2)]})
    assert r.status_code == 422
    assert [(e["row"], e["code"]) for e in r.json()["errors"]] == [(1, "outside_jurisdiction")]
    owner = as_enterprise(settings, _row(0)["enterprise_uscc"])
    assert post_csv(client, "/outside-checks/import", _csv([_row(0)]), owner).status_code == 403


def test_duplicates_are_detected(
    client: TestClient, roster: list[str], as_zj: dict[str, str]
) -> None:
    first = client.post("/outside-checks", headers=as_zj, json={"records": [_row(8)]})
    assert first.status_code == 200, first.text
    existing = first.json()["ids"][0]
    # the same check again, its model spelled as the roster has it: 409, nothing imported
    again = [_row(8, model="M-8"), _row(9)]
    r = client.post("/outside-checks", headers=as_zj, json={"records": again})
    assert r.status_code == 409 and r.json()["code"] == "outside_check_duplicate", r.text
    assert r.json()["duplicates"] == [{"row": 0, "existing_id": existing}]
    r = client.post("/outside-checks?skip_duplicates=true", headers=as_zj, json={"records": again})
    assert r.status_code == 200, r.text
    assert (r.json()["imported"], r.json()["duplicates"]) == (
        1,
        [{"row": 0, "existing_id": existing}],
    )
    # twice in one file: the second line is a bad row
    r = post_csv(client, "/outside-checks/import", _csv([_row(10), _row(10, model="M-10")]), as_zj)
    assert r.status_code == 422
    assert [(e["row"], e["code"]) for e in r.json()["errors"]] == [(3, "duplicate_record")]


def test_uploads_over_the_import_limit_are_413(
    settings: InspectionSettings, engine: Engine, as_zj: dict[str, str]
) -> None:
    small = settings.model_copy(update={"max_import_bytes": 1500})
    text = _csv([_row(i) for i in range(12)])
    with TestClient(create_app(small, engine), raise_server_exceptions=False) as client:
        r = post_csv(client, "/outside-checks/import", text, as_zj)
        assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
        r = client.post(
            "/outside-checks", headers=as_zj, json={"records": [_row(i) for i in range(12)]}
        )
        assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
