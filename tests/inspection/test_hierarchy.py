"""Hierarchy per the law (issue 13, item 3): a lower level's running check does not keep a
unit from a higher level's draw; a higher level's does keep it from a lower one; claims end
with the plan's sampling period; all of it is public with reasons."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.engine import Engine

from services.inspection.adapters.orm import ClaimRow, PlanRow
from services.inspection.config import InspectionSettings
from services.inspection.entrypoints.api import create_app
from shared.clock import today_in_china, utcnow
from tests.inspection.conftest import create_plan, draw, freeze, tasks_of
from tests.support import table_of

ALL = {"strata": [{"risk_classes": ["A", "B", "C", "D"], "ratio": "1"}]}


def _running(client: TestClient, headers: dict, **overrides: object) -> str:
    today = today_in_china()
    return create_plan(
        client,
        headers,
        period_start=(today - timedelta(days=5)).isoformat(),
        period_end=(today + timedelta(days=30)).isoformat(),
        sampling=ALL,
        **overrides,
    )


def test_provincial_draw_takes_units_a_city_claimed(
    client: TestClient,
    roster: list[str],
    as_zj: dict[str, str],
    as_hz: dict[str, str],
    engine: Engine,
) -> None:
    hz_plan = _running(client, as_hz, cross_region_teams=False)
    draw(client, as_hz, freeze(client, as_hz, hz_plan)["id"])
    hz_tasks = tasks_of(client, as_hz, hz_plan)
    assert len(hz_tasks) == 10
    sampled = hz_tasks[0]
    r = client.post(
        f"/tasks/{sampled['id']}/sampling",
        headers=as_hz,
        json={"sampled_on": today_in_china().isoformat()},
    )
    assert r.status_code == 201, r.text

    zj_plan = _running(client, as_zj, scope={"regions": ["330100"]})
    snap = freeze(client, as_zj, zj_plan)
    assert snap["unit_count"] == 10 and snap["excluded_count"] == 0
    draw(client, as_zj, snap["id"])
    assert {t["unit_id"] for t in tasks_of(client, as_zj, zj_plan)} == {
        t["unit_id"] for t in hz_tasks
    }
    after = {t["id"]: t for t in tasks_of(client, as_hz, hz_plan)}
    assert after[sampled["id"]]["status"] == "assigned"  # sampled already: goes on
    withdrawn = [t for i, t in after.items() if i != sampled["id"]]
    assert {t["status"] for t in withdrawn} == {"cancelled"}
    assert all("higher level" in t["cancel_reason"] for t in withdrawn)

    events = client.get("/public/claim-events", params={"plan_id": hz_plan}).json()["items"]
    assert len(events) == 10 and {e["kind"] for e in events} == {"preempted_by_higher_level"}
    assert {e["by_plan_id"] for e in events} == {zj_plan}
    named = [e for e in events if e["unit_id"]]
    assert [e["task_id"] for e in named] == [sampled["id"]]  # the others are still secret

    # the province's running check keeps the units from the city's next draw
    hz_again = _running(client, as_hz, cross_region_teams=False)
    r = client.post(f"/plans/{hz_again}/snapshots", headers=as_hz)
    assert r.status_code == 409 and r.json()["code"] == "no_eligible_units"
    assert r.headers["content-type"].startswith("application/problem+json")
    # the problem names why: a level this plan cannot overrule holds the units
    assert r.json()["reason"] == "claims_not_overrulable"
    assert r.json()["claims_by_level"] == {"provincial": 10}
    assert r.json()["excluded_by_rule"] == {"higher_level_running_check": 10}
    assert "municipal plan cannot overrule" in r.json()["detail"]

    # the province's sampling period ends without results: its claims expire, publicly
    yesterday = today_in_china() - timedelta(days=1)
    with engine.begin() as conn:
        conn.execute(
            update(table_of(PlanRow))
            .where(table_of(PlanRow).c.id == zj_plan)
            .values(period_start=yesterday - timedelta(days=5), period_end=yesterday)
        )
        conn.execute(update(table_of(ClaimRow)).values(claimed_at=utcnow() - timedelta(days=2)))
    snap = freeze(client, as_hz, hz_again)
    assert snap["unit_count"] == 10 and snap["excluded_count"] == 0
    expired = client.get("/public/claim-events", params={"plan_id": zj_plan}).json()["items"]
    assert len(expired) == 10 and {e["kind"] for e in expired} == {"claim_expired_period_end"}
    assert all(e["unit_id"] for e in expired)  # that plan's period is over: public


def test_withdrawal_is_public_with_its_reason(
    client: TestClient, roster: list[str], as_zj: dict[str, str]
) -> None:
    plan_id = _running(client, as_zj)
    draw(client, as_zj, freeze(client, as_zj, plan_id)["id"])
    task = tasks_of(client, as_zj, plan_id)[0]
    r = client.post(f"/tasks/{task['id']}/cancel", headers=as_zj, json={"reason": "closed down"})
    assert r.status_code == 200, r.text
    events = client.get("/public/claim-events", params={"plan_id": plan_id}).json()["items"]
    assert [(e["kind"], e["reason"], e["unit_id"]) for e in events] == [
        ("withdrawn", "closed down", None)
    ]
    assert client.get("/public/hierarchy-policy").json()["version"] == "law-2018"


def test_strict_policy_keeps_every_claim_blocking(
    settings: InspectionSettings,
    engine: Engine,
    roster: list[str],
    as_zj: dict[str, str],
    as_hz: dict[str, str],
) -> None:
    strict = settings.model_copy(update={"hierarchy_policy": "strict-any-claim"})
    with TestClient(create_app(strict, engine), raise_server_exceptions=False) as client:
        hz_plan = _running(client, as_hz, cross_region_teams=False)
        draw(client, as_hz, freeze(client, as_hz, hz_plan)["id"])
        zj_plan = _running(client, as_zj, scope={"regions": ["330100"]})
        r = client.post(f"/plans/{zj_plan}/snapshots", headers=as_zj)
        assert r.status_code == 409 and r.json()["code"] == "no_eligible_units"
        assert (r.json()["reason"], r.json()["claims_by_level"]) == (
            "claims_not_overrulable",
            {"municipal": 10},
        )
