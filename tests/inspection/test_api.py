"""Inspection API on SQLite and PostgreSQL: rosters, plans, commit-reveal draws, results."""

import json
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from services.inspection.config import InspectionSettings
from services.inspection.domain.draw import sha256_hex
from services.inspection.domain.verification import verify
from tests.inspection.conftest import (
    backdate_draw,
    create_plan,
    draw,
    freeze,
    plan_body,
    sampled,
    tasks_of,
)


def problem(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["code"] == code, body
    return body


def test_commit_then_reveal_then_verify(
    client: TestClient, roster: list[str], as_zj: dict[str, str]
) -> None:
    plan_id = create_plan(client, as_zj)
    snap = freeze(client, as_zj, plan_id)
    assert snap["unit_count"] == 30 and snap["excluded_count"] == 0
    assert snap["status"] == "committed" and snap["draw_id"] is None
    # before the draw the public sees the commitments but no seed anywhere
    public = client.get(f"/public/snapshots/{snap['id']}").json()
    assert public["seed_commitment"] == snap["seed_commitment"]
    document = client.get(f"/public/snapshots/{snap['id']}/document")
    assert sha256_hex(document.content) == snap["snapshot_hash"]
    assert 'seed"' not in document.text and '"seed_hex"' not in document.text
    made = draw(client, as_zj, snap["id"])
    assert sha256_hex(bytes.fromhex(made["seed"])) == snap["seed_commitment"]
    assert made["selected_count"] == 5 and made["status"] == "active"
    bundle = client.get(f"/public/draws/{made['id']}/verification").json()
    assert len(bundle["selection"]) == 5
    report = verify(bundle, document.content)
    assert report.ok, report.problems
    tasks = tasks_of(client, as_zj, plan_id)
    assert len(tasks) == 5 and {t["status"] for t in tasks} == {"assigned"}
    for task in tasks:
        team = [m["inspector_id"] for m in task["team"]]
        assert len(set(team)) == 2
        # cross-region teams: nobody from the unit's city
        assert all(not i.startswith(f"INS-{task['region_code']}") for i in team)


def test_same_snapshot_cannot_be_drawn_twice_and_redraw_needs_reason(
    client: TestClient, roster: list[str], as_zj: dict[str, str]
) -> None:
    plan_id = create_plan(client, as_zj)
    first = freeze(client, as_zj, plan_id)
    made = draw(client, as_zj, first["id"])
    r = client.post(f"/snapshots/{first['id']}/draw", headers=as_zj, json={})
    problem(r, 409, "snapshot_not_drawable")
    second = freeze(client, as_zj, plan_id)
    r = client.post(f"/snapshots/{second['id']}/draw", headers=as_zj, json={})
    assert problem(r, 409, "redraw_reason_required")["active_draw_id"] == made["id"]
    redrawn = draw(client, as_zj, second["id"], reason="team roster was incomplete")
    assert redrawn["supersedes_draw_id"] == made["id"]
    assert redrawn["redraw_reason"] == "team roster was incomplete"
    old = client.get(f"/public/draws/{made['id']}").json()
    assert old["status"] == "superseded" and old["superseded_by"] == redrawn["id"]
    statuses = [t["status"] for t in tasks_of(client, as_zj, plan_id)]
    assert statuses.count("cancelled") == 5 and statuses.count("assigned") == 5
    plan = client.get(f"/plans/{plan_id}", headers=as_zj).json()
    assert [d["status"] for d in plan["draws"]] == ["superseded", "active"]


def test_redraw_refused_once_results_exist(
    client: TestClient, roster: list[str], as_zj: dict[str, str]
) -> None:
    plan_id = create_plan(client, as_zj)
    draw(client, as_zj, freeze(client, as_zj, plan_id)["id"])
    task = tasks_of(client, as_zj, plan_id)[0]
    r = client.post(
        f"/tasks/{task['id']}/result",
        headers=as_zj,
        json={"outcome": "pass", "sampling_date": sampled()},
    )
    assert r.status_code == 201, r.text
    second = freeze(client, as_zj, plan_id)
    r = client.post(f"/snapshots/{second['id']}/draw", headers=as_zj, json={"redraw_reason": "x"})
    problem(r, 409, "results_already_recorded")


def test_six_month_rule_excludes_with_explanation(
    client: TestClient, roster: list[str], as_zj: dict[str, str], as_hz: dict[str, str]
) -> None:
    # Hangzhou checks all of its units and they pass
    hz_plan = create_plan(
        client,
        as_hz,
        sampling={"strata": [{"risk_classes": ["A", "B", "C", "D"], "ratio": "1"}]},
        cross_region_teams=False,
    )
    hz_draw = draw(client, as_hz, freeze(client, as_hz, hz_plan)["id"])
    backdate_draw(client, hz_draw["id"], 30)
    hz_tasks = tasks_of(client, as_hz, hz_plan)
    assert len(hz_tasks) == 10 and hz_draw["selected_count"] == 10
    for task in hz_tasks:
        r = client.post(
            f"/tasks/{task['id']}/result",
            headers=as_hz,
            json={"outcome": "pass", "sampling_date": sampled(20)},
        )
        assert r.status_code == 201, r.text
    # the province's snapshot now excludes them, naming the earlier check
    plan_id = create_plan(client, as_zj)
    snap = freeze(client, as_zj, plan_id)
    assert snap["unit_count"] == 20 and snap["excluded_count"] == 10
    page = client.get(f"/public/snapshots/{snap['id']}/exclusions", params={"limit": 4}).json()
    assert len(page["items"]) == 4 and page["next_cursor"]
    rest = client.get(
        f"/public/snapshots/{snap['id']}/exclusions", params={"cursor": page["next_cursor"]}
    ).json()["items"]
    items = page["items"] + rest
    assert len(items) == 10
    by_task = {t["unit_id"]: t["id"] for t in hz_tasks}
    for item in items:
        assert item["rule"] == "six_month_pass"
        assert item["cause"]["task_id"] == by_task[item["unit_id"]]
        assert (
            item["cause"]["plan_id"] == hz_plan and item["cause"]["authority_level"] == "municipal"
        )
        assert item["cause"]["date"] == sampled(20)
    made = draw(client, as_zj, snap["id"])
    selected = {t["unit_id"] for t in tasks_of(client, as_zj, plan_id)}
    assert len(selected) == made["selected_count"] and not selected & set(by_task)


def test_running_higher_level_check_excludes_from_lower_draw(
    client: TestClient, roster: list[str], as_zj: dict[str, str], as_hz: dict[str, str]
) -> None:
    # the province checks every toy; Hangzhou then plans both categories
    plan_id = create_plan(
        client,
        as_zj,
        scope={"product_categories": ["toys"]},
        sampling={"strata": [{"risk_classes": ["A", "B", "C", "D"], "ratio": "1"}]},
    )
    draw(client, as_zj, freeze(client, as_zj, plan_id)["id"])
    province_tasks = {t["unit_id"]: t["id"] for t in tasks_of(client, as_zj, plan_id)}
    hz_plan = create_plan(client, as_hz, cross_region_teams=False)
    snap = freeze(client, as_hz, hz_plan)
    assert snap["unit_count"] == 5 and snap["excluded_count"] == 5
    items = client.get(f"/public/snapshots/{snap['id']}/exclusions").json()["items"]
    assert {i["rule"] for i in items} == {"higher_level_running_check"}
    for item in items:
        assert item["cause"]["task_id"] == province_tasks[item["unit_id"]]
        assert item["cause"]["authority_level"] == "provincial"
    # once the province's result is final the unit is free of the running check, and a pass
    # keeps it out for six months instead
    unit_id, task_id = next(iter(province_tasks.items()))
    client.post(
        f"/tasks/{task_id}/result",
        headers=as_zj,
        json={"outcome": "fail", "sampling_date": sampled(), "failed_items": [{"item": "Seams"}]},
    )
    still = freeze(client, as_hz, hz_plan)
    assert still["excluded_count"] == 5  # a provisional failure keeps the check running
    r = client.post(f"/tasks/{task_id}/cancel", headers=as_zj, json={"reason": "closed down"})
    problem(r, 409, "task_not_cancellable")


def test_units_claimed_after_freeze_are_late_exclusions(
    client: TestClient, roster: list[str], as_zj: dict[str, str], as_hz: dict[str, str]
) -> None:
    # another provincial plan (same level), scoped to Hangzhou
    hz_plan = create_plan(
        client,
        as_zj,
        scope={"regions": ["330100"]},
        sampling={"strata": [{"risk_classes": ["A", "B", "C", "D"], "ratio": "1"}]},
    )
    hz_snap = freeze(client, as_zj, hz_plan)
    plan_id = create_plan(
        client, as_zj, sampling={"strata": [{"risk_classes": ["A", "B", "C", "D"], "ratio": "1"}]}
    )
    snap = freeze(client, as_zj, plan_id)
    assert snap["unit_count"] == 30
    draw(client, as_zj, hz_snap["id"])  # the Hangzhou plan draws first: 10 units claimed
    made = draw(client, as_zj, snap["id"])
    assert made["selected_count"] == 20
    late = made["late_exclusions"]
    assert len(late) == 10 and {e["rule"] for e in late} == {"running_check"}
    assert {e["cause"]["plan_id"] for e in late} == {hz_plan}
    document = client.get(f"/public/snapshots/{snap['id']}/document").content
    bundle = client.get(f"/public/draws/{made['id']}/verification").json()
    assert verify(bundle, document).ok


def test_too_few_inspectors_is_409_not_a_short_team(
    client: TestClient, roster: list[str], as_zj: dict[str, str]
) -> None:
    plan_id = create_plan(client, as_zj, team_size=9)  # 8 inspectors outside any unit's city
    snap = freeze(client, as_zj, plan_id)
    r = client.post(f"/snapshots/{snap['id']}/draw", headers=as_zj, json={})
    body = problem(r, 409, "too_few_inspectors")
    assert body["eligible"] == 8 and body["required"] == 9
    # nothing was written: the seed is still secret and the snapshot still drawable
    assert client.get(f"/public/snapshots/{snap['id']}").json()["draw_id"] is None
    assert tasks_of(client, as_zj, plan_id) == []


def test_no_eligible_lab_is_409(client: TestClient, as_zj: dict[str, str]) -> None:
    from tests.inspection.conftest import inspectors_csv, post_csv, units_csv

    for path, body in (
        ("/rosters/units/import", units_csv(6)),
        ("/rosters/inspectors/import", inspectors_csv()),
    ):
        assert post_csv(client, path, body, as_zj).status_code == 200
    plan_id = create_plan(client, as_zj)
    r = client.post(
        f"/snapshots/{freeze(client, as_zj, plan_id)['id']}/draw", headers=as_zj, json={}
    )
    problem(r, 409, "no_eligible_lab")


def test_results_lifecycle_objection_retest_and_publication(
    client: TestClient, roster: list[str], as_zj: dict[str, str], settings: InspectionSettings
) -> None:
    from tests.inspection.conftest import as_enterprise

    plan_id = create_plan(client, as_zj)
    draw(client, as_zj, freeze(client, as_zj, plan_id)["id"])
    t_pass, t_fail, t_refused, *_ = tasks_of(client, as_zj, plan_id)
    r = client.post(
        f"/tasks/{t_pass['id']}/result",
        headers=as_zj,
        json={"outcome": "pass", "sampling_date": sampled()},
    )
    assert r.json()["status"] == "final" and r.json()["result"]["status"] == "final"
    r = client.post(
        f"/tasks/{t_fail['id']}/result",
        headers=as_zj,
        json={
            "outcome": "fail",
            "sampling_date": sampled(),
            "failed_items": [
                {"item": "Leakage current", "requirement": "<= 0.75 mA", "measured": "1.2 mA"}
            ],
        },
    )
    failed = r.json()
    assert failed["status"] == "result_recorded" and failed["result"]["status"] == "provisional"
    assert failed["result"]["objection_deadline"]
    assert failed["result"]["recorded_by"] == "regulator:zj-amr-1"
    r = client.post(
        f"/tasks/{t_fail['id']}/result",
        headers=as_zj,
        json={"outcome": "pass", "sampling_date": sampled()},
    )
    problem(r, 409, "result_already_recorded")
    r = client.post(
        f"/tasks/{t_refused['id']}/result",
        headers=as_zj,
        json={"outcome": "refused", "sampling_date": sampled()},
    )
    assert r.status_code == 201
    owner = as_enterprise(settings, t_fail["enterprise"]["uscc"])
    r = client.post(
        f"/tasks/{t_fail['id']}/result/objection",
        headers=owner,
        json={"reason": "the sample was damaged in transport"},
    )
    assert r.status_code == 200 and r.json()["result"]["status"] == "objected"
    r = client.post(
        f"/tasks/{t_fail['id']}/result/retest",
        headers=as_zj,
        json={
            "outcome": "fail",
            "failed_items": [{"item": "Leakage current", "measured": "1.1 mA"}],
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["result"]["status"] == "final" and r.json()["result"]["retested"] is True
    r = client.post(f"/plans/{plan_id}/publication", headers=as_zj)
    assert r.json() == {"published": 3}
    problem(client.post(f"/plans/{plan_id}/publication", headers=as_zj), 409, "nothing_to_publish")
    public = client.get("/public/results", params={"plan_id": plan_id}).json()["items"]
    assert sorted(i["result"]["outcome"] for i in public) == ["fail", "pass", "refused"]
    text = json.dumps(public, ensure_ascii=False)
    assert "recorded_by" not in text and "zj-amr-1" not in text and "damaged" not in text
    for item in public:
        for member in item["team"]:
            assert member["name"].startswith("张") and member["name"][1:] == "*" * (
                len(member["name"]) - 1
            )


def test_failed_result_becomes_final_after_the_window(
    client: TestClient, roster: list[str], as_zj: dict[str, str], engine: Engine
) -> None:
    from datetime import date, timedelta

    from services.inspection.service_layer.results import finalise_due
    from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
    from shared.clock import today_in_china

    plan_id = create_plan(client, as_zj)
    draw(client, as_zj, freeze(client, as_zj, plan_id)["id"])
    task = tasks_of(client, as_zj, plan_id)[0]
    client.post(
        f"/tasks/{task['id']}/result",
        headers=as_zj,
        json={
            "outcome": "fail",
            "sampling_date": sampled(),
            "failed_items": [{"item": "Labelling"}],
        },
    )
    today = today_in_china()
    view = client.get(f"/tasks/{task['id']}", headers=as_zj).json()
    deadline = date.fromisoformat(view["result"]["objection_deadline"])
    assert deadline >= today + timedelta(days=15)  # later only past rest days (art. 203)
    assert finalise_due(InspectionUnitOfWork(engine), deadline) == 0
    assert finalise_due(InspectionUnitOfWork(engine), deadline + timedelta(days=1)) == 1
    view = client.get(f"/tasks/{task['id']}", headers=as_zj).json()
    assert view["status"] == "final" and view["result"]["status"] == "final"
    assert view["result"]["retested"] is False


def test_overdue_publications_endpoint_and_gauge(
    client: TestClient, roster: list[str], as_zj: dict[str, str]
) -> None:
    from datetime import timedelta

    from shared.clock import today_in_china

    today = today_in_china()
    ended = create_plan(
        client,
        as_zj,
        period_start=(today - timedelta(days=90)).isoformat(),
        period_end=(today - timedelta(days=60)).isoformat(),
    )
    draw(client, as_zj, freeze(client, as_zj, ended)["id"])
    plan = client.get(f"/plans/{ended}", headers=as_zj).json()
    assert plan["publication_deadline"] < today.isoformat()
    r = client.get("/regulator/publications/overdue", headers=as_zj)
    items = r.json()["items"]
    assert [i["plan_id"] for i in items] == [ended]
    assert items[0]["unpublished_tasks"] == 5 and items[0]["deadline_status"] == "overdue"
    metrics = client.get("/metrics").text
    assert "inspection_publications_overdue 5.0" in metrics


def test_deadline_in_a_year_without_a_table_is_provisional_not_unknown(
    client: TestClient, as_zj: dict[str, str]
) -> None:
    r = client.post(
        "/plans", headers=as_zj, json=plan_body(period_start="2028-03-01", period_end="2028-06-30")
    )
    assert r.status_code == 201
    plan = r.json()
    assert plan["publication_deadline"] == "2028-07-28"  # 20 working days, weekends only
    assert plan["publication_deadline_provenance"] == "provisional"
    assert "provisional" in plan["publication_deadline_calendar_version"]
    # the configured (test-data) 2027 table is used where no official one exists
    r = client.post(
        "/plans", headers=as_zj, json=plan_body(period_start="2026-12-01", period_end="2026-12-20")
    )
    assert r.json()["publication_deadline"] == "2027-01-18"
    assert r.json()["publication_deadline_provenance"] == "official"


def test_csv_import_reports_every_bad_row_and_imports_nothing(
    client: TestClient, as_zj: dict[str, str]
) -> None:
    import csv
    import io

    from tests.inspection.conftest import post_csv, units_csv

    good = units_csv(3)
    rows = list(csv.reader(io.StringIO(good)))
    rows[2][0] = "91330100MA0000007X"  # line 3: wrong check character
    rows[3][6] = "999"  # line 4: not a region code
    rows.append(list(rows[3]))  # line 5 repeats line 4 (whose error hides the duplicate)
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    r = post_csv(client, "/rosters/units/import", out.getvalue(), as_zj)
    body = problem(r, 422, "import_rows_invalid")
    found = {(e["row"], e["field"], e["code"]) for e in body["errors"]}
    assert (3, "enterprise_uscc", "uscc_checksum") in found
    assert (4, "region_code", "invalid_region_code") in found
    assert (5, "model", "duplicate_unit") not in found  # line 4 was invalid, so not a duplicate
    plan_id = create_plan(client, as_zj)
    problem(client.post(f"/plans/{plan_id}/snapshots", headers=as_zj), 409, "no_eligible_units")
    r = post_csv(client, "/rosters/units/import", good, as_zj)
    assert r.json() == {"rows": 3, "created": 3, "updated": 0}
    r = post_csv(client, "/rosters/units/import", good.replace(",A\n", ",D\n"), as_zj)
    assert r.json() == {"rows": 3, "created": 0, "updated": 3}


def test_csv_import_missing_column_and_encoding(client: TestClient, as_zj: dict[str, str]) -> None:
    from tests.inspection.conftest import post_csv

    r = post_csv(client, "/rosters/units/import", "enterprise_uscc,model\nX,Y\n", as_zj)
    body = problem(r, 422, "import_rows_invalid")
    assert {e["field"] for e in body["errors"]} >= {"product_name", "risk_class"}
    r = client.post(
        "/rosters/units/import",
        content="名称".encode("gbk"),
        headers={**as_zj, "Content-Type": "text/csv"},
    )
    problem(r, 422, "invalid_encoding")


def test_invalid_plans_are_422(client: TestClient, as_zj: dict[str, str]) -> None:
    r = client.post("/plans", headers=as_zj, json=plan_body(team_size=1))
    problem(r, 422, "validation_error")
    r = client.post(
        "/plans",
        headers=as_zj,
        json=plan_body(
            sampling={
                "strata": [
                    {"risk_classes": ["A", "B"], "size": 3},
                    {"risk_classes": ["B"], "size": 1},
                ]
            }
        ),
    )
    problem(r, 422, "overlapping_strata")
    r = client.post("/plans", headers=as_zj, json=plan_body(scope={"regions": ["320100"]}))
    problem(r, 422, "scope_outside_jurisdiction")
    r = client.post("/plans", headers=as_zj, json=plan_body(period_end="2020-01-01"))
    problem(r, 422, "invalid_period")


def test_policy_versions_are_data(
    client: TestClient, as_national: dict[str, str], as_zj: dict[str, str], roster: list[str]
) -> None:
    assert [p["version"] for p in client.get("/public/policies").json()] == [1]
    problem(
        client.post(
            "/policies",
            headers=as_zj,
            json={
                "effective_from": "2026-01-01",
                "window_months": 3,
                "counting_check_types": ["supervisory_spot_check"],
                "counting_outcomes": ["pass"],
            },
        ),
        403,
        "national_only",
    )
    r = client.post(
        "/policies",
        headers=as_national,
        json={
            "effective_from": "2026-01-01",
            "window_months": 0,
            "counting_check_types": ["supervisory_spot_check"],
            "counting_outcomes": ["pass"],
        },
    )
    assert r.json() == {"version": 2}
    snap = freeze(client, as_zj, create_plan(client, as_zj))
    assert snap["policy_version"] == 2
