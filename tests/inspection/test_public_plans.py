"""Publicity (issue 13, item 7): public lists of inspection matters and annual plans, pass-rate
statistics from structured fields, and joint plans of several departments (one draw, each
team with members of every department)."""

import csv
import io
import json
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from services.inspection.config import InspectionSettings
from services.inspection.domain import publicity as pub
from services.inspection.domain.verification import verify
from shared.clock import today_in_china
from tests.inspection.conftest import (
    CATEGORIES,
    CITIES,
    as_enterprise,
    create_plan,
    draw,
    freeze,
    post_csv,
    sampled,
    tasks_of,
)
from tests.inspection.test_js_verifier import _run, node  # noqa: F401 - the node fixture

ALL_SIX = {"strata": [{"risk_classes": ["A", "B", "C", "D"], "size": 6}]}


def _partner_inspectors(per_city: int = 2) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["inspector_id", "name", "department", "region_code", "qualifications", "expertise"]
        + ["conflicts"]
    )
    for city in CITIES:
        for k in range(per_city):
            row = [f"DRC-{city}-{k}", f"李{k}", "ZJDRC", city, "CMA", ";".join(CATEGORIES), ""]
            writer.writerow(row)
    return out.getvalue()


def _result(client: TestClient, headers: dict, task_id: str, outcome: str) -> None:
    body: dict = {"outcome": outcome, "sampling_date": sampled()}
    if outcome == "fail":
        body["failed_items"] = [{"item": "Leakage current"}]
    r = client.post(f"/tasks/{task_id}/result", headers=headers, json=body)
    assert r.status_code == 201, r.text


def test_joint_plan_draws_teams_with_a_member_of_each_department(
    client: TestClient,
    roster: list[str],
    as_zj: dict[str, str],
    node: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    assert (
        post_csv(client, "/rosters/inspectors/import", _partner_inspectors(), as_zj).status_code
        == 200
    )
    for bad in (
        {"joint_departments": ["ZJAMR"]},
        {"joint_departments": ["A", "B"], "team_size": 2},
    ):
        r = client.post("/plans", headers=as_zj, json={**_body(), **bad})
        assert r.status_code == 422, r.text
    plan_id = create_plan(client, as_zj, sampling=ALL_SIX, joint_departments=["ZJDRC"])
    made = draw(client, as_zj, freeze(client, as_zj, plan_id)["id"])
    tasks = tasks_of(client, as_zj, plan_id)
    assert len(tasks) == 6
    for task in tasks:
        ids = [m["inspector_id"] for m in task["team"]]
        assert len(ids) == 2 and ids[0].startswith("INS-") and ids[1].startswith("DRC-"), ids
    # the plan's period is over: the public record verifies, joint teams included
    full = client.get(f"/public/draws/{made['id']}/verification").json()
    document = client.get(f"/public/snapshots/{full['snapshot_id']}/document").content
    assert b'"departments":["ZJAMR","ZJDRC"]' in document
    assert verify(full, document).ok
    tampered = dict(full)
    first = dict(tampered["selection"][0])
    first["inspectors"] = [i for i in first["inspectors"] if i.startswith("INS-")] * 2
    tampered["selection"] = [first, *tampered["selection"][1:]]
    assert not verify(tampered, document).ok
    # the JavaScript verifier recomputes the joint teams from the served document too
    (tmp_path / "snap.json").write_bytes(document)
    for record, expected in ((full, 0), (tampered, 1)):
        (tmp_path / "draw.json").write_text(json.dumps(record))
        r = _run(node, str(tmp_path / "draw.json"), "--snapshot", str(tmp_path / "snap.json"))
        assert r.returncode == expected, r.stdout + r.stderr
    # a department without inspectors cannot take part: no team short of it
    empty = create_plan(client, as_zj, sampling=ALL_SIX, joint_departments=["ZJNONE"])
    snap = freeze(client, as_zj, empty)
    r = client.post(f"/snapshots/{snap['id']}/draw", headers=as_zj, json={})
    assert r.status_code == 409 and r.json()["code"] == "too_few_inspectors", r.text
    assert r.json()["department"] == "ZJNONE"
    # and anyone sees the joint plan: what, by whom, how many
    listed = client.get("/public/plans", params={"year": today_in_china().year}).json()["items"]
    assert {p["id"] for p in listed} == {plan_id, empty}
    [public] = [p for p in listed if p["id"] == plan_id]
    assert public["joint_departments"] == ["ZJDRC"] and public["authority"]["department"] == "ZJAMR"
    assert (public["planned_count"], public["drawn_count"]) == (6, 6)
    assert public["matter"] == "产品质量监督抽查"
    assert client.get(f"/public/plans/{plan_id}").json() == public
    matters = client.get("/public/inspection-matters").json()["items"]
    spot = next(m for m in matters if m["check_type"] == "supervisory_spot_check")
    assert spot["legal_basis"] and not spot["needs_legal_review"]
    joint = [a for a in spot["authorities"] if a["joint_departments"] == ["ZJDRC"]]
    assert [(a["plans"], a["planned_count"], a["drawn_count"]) for a in joint] == [(1, 6, 6)]


def _body() -> dict:
    from tests.inspection.conftest import plan_body

    return plan_body()


def test_pass_rates_count_published_results_by_structured_fields(
    client: TestClient, roster: list[str], as_zj: dict[str, str], settings: InspectionSettings
) -> None:
    plan_id = create_plan(client, as_zj, sampling=ALL_SIX)
    draw(client, as_zj, freeze(client, as_zj, plan_id)["id"])
    tasks = tasks_of(client, as_zj, plan_id)
    for task, outcome in zip(tasks, ("pass", "pass", "pass", "refused", "fail"), strict=False):
        _result(client, as_zj, task["id"], outcome)
    empty = client.get("/public/statistics/pass-rates").json()
    assert empty["groups"] == []  # nothing published yet
    failed = tasks[4]
    owner = as_enterprise(settings, failed["enterprise"]["uscc"])
    r = client.post(f"/tasks/{failed['id']}/result/objection", headers=owner, json={"reason": "x"})
    assert r.status_code == 200, r.text
    r = client.post(
        f"/tasks/{failed['id']}/result/retest",
        headers=as_zj,
        json={"outcome": "fail", "failed_items": [{"item": "Leakage current"}]},
    )
    assert r.status_code == 200, r.text
    assert client.post(f"/plans/{plan_id}/publication", headers=as_zj).json() == {"published": 5}
    stats_r = client.get(
        "/public/statistics/pass-rates",
        params={"period": "quarter", "group_by": ["level", "check_type"]},
    )
    assert stats_r.status_code == 200, stats_r.text
    stats = stats_r.json()
    quarter = pub.period_label(today_in_china(), "quarter")
    assert stats["groups"] == [
        {
            "period": quarter,
            "level": "provincial",
            "check_type": "supervisory_spot_check",
            "pass": 3,
            "fail": 1,
            "refused": 1,
            "not_found": 0,
            "checked": 5,
            "pass_rate": "0.7500",
        }
    ]
    by_category = client.get(
        "/public/statistics/pass-rates",
        params={"group_by": ["region", "product_category"], "region_digits": 4},
    ).json()["groups"]
    assert sum(g["checked"] for g in by_category) == 5
    assert {g["region"] for g in by_category} <= {c[:4] + "00" for c in CITIES}
    r = client.get("/public/statistics/pass-rates", params={"group_by": ["level", "level"]})
    assert r.status_code == 422 and r.json()["code"] == "invalid_group_by"
    assert (
        client.get("/public/statistics/pass-rates", params={"group_by": "name"}).status_code == 422
    )


def test_publicity_domain_labels_and_rates() -> None:
    assert pub.period_label(date(2026, 11, 3), "quarter") == "2026-Q4"
    assert pub.period_label(date(2026, 1, 31), "month") == "2026-01"
    assert pub.region_label("330102", 4) == "330100"
    assert pub.pass_rate(2, 1) == "0.6667" and pub.pass_rate(0, 0) is None
    assert pub.planned_count({"strata": [{"size": 3}, {"size": 4}]}) == 7
    assert pub.planned_count({"strata": [{"size": 3}, {"ratio": "0.1"}]}) is None
    facts = [
        pub.Fact("county", "supervisory_spot_check", "330102", "toys", date(2026, 3, 1), "pass", 2),
        pub.Fact("county", "supervisory_spot_check", "330102", "toys", date(2026, 4, 1), "fail", 1),
    ]
    [year] = pub.pass_rates(facts, period="year", group_by=(), region_digits=2)
    assert (year["pass"], year["fail"], year["pass_rate"]) == (2, 1, "0.6667")
    quarters = pub.pass_rates(facts, period="quarter", group_by=("region",), region_digits=2)
    assert [(q["period"], q["region"], q["pass_rate"]) for q in quarters] == [
        ("2026-Q1", "330000", "1.0000"),
        ("2026-Q2", "330000", "0.0000"),
    ]
