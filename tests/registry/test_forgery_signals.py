"""Forgery signals: canonical number matching, not-found counting, the public report queue."""

from fastapi.testclient import TestClient

from services.registry.config import RegistrySettings
from services.registry.domain.numbers import canonical_number, number_pattern
from services.registry.entrypoints.forgery_signals import MAX_PATTERNS, OTHER, NotFoundTracker
from tests.registry.conftest import bearer
from tests.registry.test_api import problem


def test_canonical_number_forms() -> None:
    for typed in (
        " CCC-2026-000001",
        "ccc-2026-000001 ",
        "ＣＣＣ－２０２６－０００００１",
        "CCC–2026-000001",
    ):
        assert canonical_number(typed) == "CCC-2026-000001"
    assert number_pattern("CCC-2026-000001") == "A3-94-96"
    assert number_pattern("HIST-0002X") == "A4-94A1"


def test_lookups_match_whatever_the_form(client: TestClient, issued: str) -> None:
    for typed in (" ccc-2026-000001", "ＣＣＣ－２０２６－０００００１"):
        r = client.get(f"/public/certificates/{typed}")
        assert r.status_code == 200 and r.json()["number"] == issued
    r = client.post("/public/certificates/verify", json={"numbers": ["ccc-2026-000001 ", "X-1"]})
    items = r.json()["items"]
    assert [i["found"] for i in items] == [True, False]
    assert items[0]["number"] == "ccc-2026-000001 " and items[0]["status"] == "valid"


def test_issue_stores_the_canonical_number(
    client: TestClient, bodies: None, as_body_a: dict[str, str]
) -> None:
    from tests.registry.conftest import certificate

    r = client.post("/certificates", headers=as_body_a, json=certificate("ccc-2026-000777"))
    assert r.status_code == 201 and r.json()["number"] == "CCC-2026-000777"
    r = client.post("/certificates", headers=as_body_a, json=certificate("CCC-2026-000777"))
    problem(r, 409, "duplicate_certificate_number")


def test_not_found_lookups_are_counted_per_pattern_and_client(
    client: TestClient, issued: str, as_regulator: dict[str, str]
) -> None:
    for n in range(3):
        assert client.get(f"/public/certificates/FAKE-000{n}").status_code == 404
    client.post("/public/certificates/verify", json={"numbers": [issued, "CQC-2024-99"]})
    assert client.get("/forgery-signals").status_code == 401
    signals = client.get("/forgery-signals", headers=as_regulator).json()
    assert signals["not_found_in_window"] == 4
    assert signals["by_client"] == [{"client": "testclient", "count": 4}]
    assert {"pattern": "A4-94", "count": 3} in signals["by_pattern"]
    metrics = client.get("/metrics").text
    assert 'registry_certificate_not_found_total{pattern="A4-94"} 3.0' in metrics
    assert "registry_certificate_not_found_client_peak 4.0" in metrics


def test_tracker_window_slides_and_patterns_are_bounded() -> None:
    now = [0.0]
    tracker = NotFoundTracker(window_seconds=60, clock=lambda: now[0])
    tracker.record("a", ["X-1", "X-2"])
    now[0] = 30
    tracker.record("b", ["Y-1"])
    clients, _ = tracker.window()
    assert clients == {"a": 2, "b": 1}
    now[0] = 70  # a's lookups left the window, the totals stay
    clients, _ = tracker.window()
    assert clients == {"b": 1}
    tracker.record("c", ["9" * (n + 1) for n in range(MAX_PATTERNS + 5)])
    _, patterns = tracker.window()
    assert patterns[OTHER] >= 5 and len(patterns) <= MAX_PATTERNS + 1


def test_public_report_goes_to_the_holders_regulator(
    client: TestClient, issued: str, as_regulator: dict[str, str], settings: RegistrySettings
) -> None:
    r = client.post(
        "/public/suspicious-reports",
        json={
            "number": " ccc-2026-000001",
            "description": "seal looks\x07 printed",
            "where_seen": "market",
        },
    )
    assert r.status_code == 202 and r.json()["found"] is True
    report_id = r.json()["id"]
    queue = client.get("/suspicious-reports", headers=as_regulator).json()
    assert [(q["id"], q["region_code"], q["description"]) for q in queue] == [
        (report_id, "330100", "seal looks printed")
    ]
    beijing = bearer(
        settings,
        role="regulator",
        sub="bj",
        authority_level="provincial",
        region_code="110000",
        department="BJAMR",
    )
    assert client.get("/suspicious-reports", headers=beijing).json() == []
    close = {"outcome": "certificate_genuine", "note": "checked"}
    problem(
        client.post(f"/suspicious-reports/{report_id}/close", headers=beijing, json=close),
        404,
        "report_not_found",
    )
    problem(
        client.post(
            f"/suspicious-reports/{report_id}/close", headers=as_regulator, json={"outcome": "x"}
        ),
        422,
        "unknown_outcome",
    )
    r = client.post(f"/suspicious-reports/{report_id}/close", headers=as_regulator, json=close)
    assert r.status_code == 200 and r.json()["status"] == "closed"
    problem(
        client.post(f"/suspicious-reports/{report_id}/close", headers=as_regulator, json=close),
        409,
        "report_closed",
    )
    assert client.get("/suspicious-reports?status=open", headers=as_regulator).json() == []


def test_report_of_unknown_number_needs_a_region(
    client: TestClient, bodies: None, as_regulator: dict[str, str]
) -> None:
    r = client.post("/public/suspicious-reports", json={"number": "FAKE-1"})
    problem(r, 422, "region_required")
    r = client.post(
        "/public/suspicious-reports", json={"number": "FAKE-1", "region_code": "330200"}
    )
    assert r.status_code == 202 and r.json()["found"] is False
    assert client.get("/suspicious-reports", headers=as_regulator).json()[0]["number"] == "FAKE-1"
    assert client.get("/suspicious-reports").status_code == 401
