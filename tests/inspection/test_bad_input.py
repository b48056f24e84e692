"""Issue 10 probes: bad input to the inspection service is a 4xx problem, never a 500."""

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from services.inspection.config import InspectionSettings
from services.inspection.entrypoints.api import create_app
from tests.inspection.conftest import plan_body, post_csv, units_csv


def test_plan_ending_9999_12_31_is_422(client: TestClient, as_zj: dict[str, str]) -> None:
    for overrides in (
        {"period_end": "9999-12-31"},
        {"period_start": "9999-12-30", "period_end": "9999-12-31"},
    ):
        r = client.post("/plans", headers=as_zj, json=plan_body(**overrides))
        assert 400 <= r.status_code < 500, r.text
        assert r.headers["content-type"].startswith("application/problem+json")


def test_nul_bytes_in_csv_json_and_query_are_422(client: TestClient, as_zj: dict[str, str]) -> None:
    text = units_csv(3).replace("household", "house\x00hold", 1)
    probes = [
        post_csv(client, "/rosters/units/import", text, as_zj),
        client.post("/plans", headers=as_zj, json=plan_body(name="plan\x00")),
        client.get("/public/results", params={"cursor": "x\x00"}),
        client.get("/plans", headers=as_zj, params={"cursor": "djE6AA"}),  # base64 "v1:\x00"
    ]
    for r in probes:
        assert r.status_code == 422, (r.request.url, r.text)
        assert r.json()["code"] in ("unstorable_text", "invalid_cursor")


def test_csv_upload_over_the_limit_is_413_before_reading(
    settings: InspectionSettings, engine: Engine, as_zj: dict[str, str]
) -> None:
    small = settings.model_copy(update={"max_import_bytes": 2000})
    with TestClient(create_app(small, engine), raise_server_exceptions=False) as client:
        r = post_csv(client, "/rosters/units/import", units_csv(100), as_zj)
        assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
        r = post_csv(client, "/rosters/units/import", units_csv(2), as_zj)
        assert r.status_code == 200, r.text
