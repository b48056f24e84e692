"""Time-locked publicity (issue 13, item 1): an anonymous caller cannot learn a unit that was
drawn but not yet sampled by any route; sampling reveals that one entry (checked against the
commitment made at draw time); the end of the sampling period reveals the whole draw."""

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.engine import Engine
from starlette.routing import Route

from services.inspection.adapters.orm import PlanRow
from services.inspection.config import InspectionSettings
from services.inspection.domain.verification import verify, verify_partial
from shared.clock import today_in_china
from tests.inspection.conftest import as_enterprise, create_plan, draw, freeze, tasks_of
from tests.support import app_of, table_of

ALL = {"strata": [{"risk_classes": ["A", "B", "C", "D"], "ratio": "1"}]}


def _running(client: TestClient, headers: dict[str, str], **overrides: object) -> str:
    """A plan whose sampling period runs until next month."""
    today = today_in_china()
    return create_plan(
        client,
        headers,
        period_start=(today - timedelta(days=5)).isoformat(),
        period_end=(today + timedelta(days=30)).isoformat(),
        **overrides,
    )


def _walk(client: TestClient, ids: dict[str, list[str]], headers: dict | None = None) -> list:
    """GET every route of the app with every known id; returns (path, status, body) triples."""
    seen = []
    schema = client.get("/openapi.json").json()["paths"]
    templates = {p for p, ops in schema.items() if "get" in ops} | {
        route.path
        for route in app_of(client).routes
        if isinstance(route, Route) and "GET" in (route.methods or set())
    }
    assert "/public/draws/{draw_id}/verification" in templates
    for template in sorted(templates):
        params = re.findall(r"{(\w+)}", template)
        paths = [template]
        for name in params:
            assert name in ids, f"the walk does not know {name} ({template}): add it"
            paths = [p.replace(f"{{{name}}}", v) for p in paths for v in ids[name]]
        for path in paths:
            r = client.get(path, headers=headers or {})
            seen.append((path, r.status_code, r.text))
    return seen


def test_no_public_route_reveals_a_drawn_unit_before_sampling(
    client: TestClient,
    roster: list[str],
    as_zj: dict[str, str],
    as_hz: dict[str, str],
    settings: InspectionSettings,
    engine: Engine,
) -> None:
    # a provincial plan frozen before the province's running draw, drawn after it: its late
    # exclusions point at the running draw's units
    three = {"strata": [{"risk_classes": ["A", "B", "C", "D"], "size": 3}]}
    late_plan = create_plan(client, as_zj, sampling=three)
    late_snap = freeze(client, as_zj, late_plan)
    running = _running(client, as_zj, scope={"product_categories": ["toys"]}, sampling=ALL)
    snap = freeze(client, as_zj, running)
    made = draw(client, as_zj, snap["id"])
    tasks = tasks_of(client, as_zj, running)
    assert len(tasks) == 15
    sampled_task = tasks[0]
    r = client.post(
        f"/tasks/{sampled_task['id']}/sampling",
        headers=as_zj,
        json={"sampled_on": today_in_china().isoformat()},
    )
    assert r.status_code == 201, r.text
    late_draw = draw(client, as_zj, late_snap["id"])
    public_late = client.get(f"/public/draws/{late_draw['id']}").json()
    assert public_late["late_exclusions_withheld"] == 14  # toys claimed after its freeze
    assert len(public_late["late_exclusions"]) == 1  # the sampled one
    # Hangzhou freezes after the provincial draw: its toys are excluded by a running check
    hz_plan = create_plan(client, as_hz, cross_region_teams=False, sampling=ALL)
    hz_snap = freeze(client, as_hz, hz_plan)
    hz_draw = draw(client, as_hz, hz_snap["id"])

    secret = [t for t in tasks if t["id"] != sampled_task["id"]]
    ids = {
        "snapshot_id": [snap["id"], late_snap["id"], hz_snap["id"]],
        "draw_id": [made["id"], late_draw["id"], hz_draw["id"]],
        "plan_id": [running, late_plan, hz_plan],
        "task_id": [t["id"] for t in tasks],
        "kind": ["unit", "inspector", "lab"],  # roster history (issue 10)
        "row_id": [t["unit_id"] for t in tasks],
        "check_id": ["ext-0"],  # outside checks (regulators only)
    }
    walked = _walk(client, ids)
    assert any(status == 200 and "/public/draws/" in path for path, status, _ in walked), [
        (p, s) for p, s, _ in walked
    ]
    for path, status, body in walked:
        assert status != 500, (path, body)
        for task in secret:
            assert task["unit_id"] not in body, f"{path} reveals drawn unit {task['unit_id']}"
            if task["id"] not in path:  # a 404 may echo the id asked for
                assert task["id"] not in body, f"{path} reveals task {task['id']}"
    # the documents that, with the seeds, would give the selection away are withheld
    for sid in (snap["id"], late_snap["id"], hz_snap["id"]):
        r = client.get(f"/public/snapshots/{sid}/document")
        assert r.status_code == 403 and r.json()["code"] == "not_yet_public"
    # the sampled task's entry is public and checks against the commitment made at draw time
    partial = client.get(f"/public/draws/{made['id']}/verification").json()
    assert partial["disclosure"] == "partial" and len(partial["leaves"]) == 15
    assert [e["unit_id"] for e in partial["selection"]] == [sampled_task["unit_id"]]
    assert (
        partial["selection_commitment"]
        == client.get(f"/public/draws/{made['id']}").json()["selection_commitment"]
    )
    report = verify_partial(partial)
    assert report.ok and report.selected == 1, report.problems
    forged = {**partial, "selection": [{**partial["selection"][0], "lab": "CNAS-L9999"}]}
    assert not verify_partial(forged).ok

    # enterprises: only the sampled task shows
    for task in tasks:
        headers = as_enterprise(settings, task["enterprise"]["uscc"])
        mine = client.get("/my/tasks", headers=headers).json()["items"]
        visible = task["id"] == sampled_task["id"]
        assert (task["id"] in {m["id"] for m in mine}) is visible
        assert client.get(f"/tasks/{task['id']}", headers=headers).status_code == (
            200 if visible else 404
        )

    # the sampling period ends: everything is public and verifies, commitment included
    with engine.begin() as conn:
        conn.execute(
            update(table_of(PlanRow))
            .where(table_of(PlanRow).c.id == running)
            .values(period_end=today_in_china() - timedelta(days=1))
        )
    full = client.get(f"/public/draws/{made['id']}/verification").json()
    assert full["disclosure"] == "complete" and len(full["selection"]) == 15
    document = client.get(f"/public/snapshots/{snap['id']}/document")
    assert document.status_code == 200
    assert verify(full, document.content).ok
    tampered = {**full, "selection_commitment": "0" * 64}
    assert any("selection commitment" in p for p in verify(tampered, document.content).problems)
    late_full = client.get(f"/public/draws/{late_draw['id']}/verification").json()
    assert late_full["disclosure"] == "complete" and len(late_full["late_exclusions"]) == 15
    late_doc = client.get(f"/public/snapshots/{late_snap['id']}/document").content
    assert verify(late_full, late_doc).ok
    hz_items = client.get(f"/public/snapshots/{hz_snap['id']}/exclusions").json()
    assert hz_items["withheld_count"] == 0 and len(hz_items["items"]) >= 5


def test_sampling_is_recorded_once_never_before_the_draw(
    client: TestClient, roster: list[str], as_zj: dict[str, str]
) -> None:
    plan_id = _running(client, as_zj)
    draw(client, as_zj, freeze(client, as_zj, plan_id)["id"])
    task = tasks_of(client, as_zj, plan_id)[0]
    yesterday = (today_in_china() - timedelta(days=1)).isoformat()
    r = client.post(f"/tasks/{task['id']}/sampling", headers=as_zj, json={"sampled_on": yesterday})
    assert r.status_code == 422 and r.json()["code"] == "sampling_before_draw"
    today = today_in_china().isoformat()
    r = client.post(f"/tasks/{task['id']}/sampling", headers=as_zj, json={"sampled_on": today})
    assert r.status_code == 201, r.text
    r = client.post(f"/tasks/{task['id']}/sampling", headers=as_zj, json={"sampled_on": today})
    assert r.status_code == 409 and r.json()["code"] == "sampling_already_recorded"
    r = client.post(
        f"/tasks/{task['id']}/result",
        headers=as_zj,
        json={"outcome": "pass", "sampling_date": yesterday},
    )
    assert r.status_code == 422 and r.json()["code"] == "sampling_before_draw"
    r = client.post(f"/tasks/{task['id']}/sampling", headers={}, json={"sampled_on": today})
    assert r.status_code == 401
