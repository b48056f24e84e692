"""Results procedure (issue 13, item 4): receipt date, re-test window from receipt (Civil
Code counting), re-test lab drawn verifiably among the other accredited labs."""

from datetime import date, timedelta

from fastapi.testclient import TestClient

from services.inspection.domain import retest
from shared.clock import today_in_china
from shared.periods import Period, Unit, period_end
from tests.inspection.conftest import create_plan, draw, freeze, sampled, tasks_of
from tests.support import app_of


def test_civil_code_window_and_lab_draw_are_pure_and_stable() -> None:
    # received Friday 2026-09-25: day 15 is Saturday 2026-10-10 (after the National Day
    # holiday); the last day rolls to the next working day
    end = retest.retest_window_end(date(2026, 9, 25))
    assert end.day == period_end(date(2026, 9, 25), Period(15, Unit.DAYS, roll_forward=True)).day
    assert end.day > date(2026, 10, 10) - timedelta(days=1)
    labs = ["L3", "L1", "L2"]
    one = retest.draw_retest_lab(b"\x01" * 32, "task-1", labs)
    assert one == retest.draw_retest_lab(b"\x01" * 32, "task-1", list(reversed(labs)))
    picks = {retest.draw_retest_lab(bytes([i]) * 32, "task-1", labs) for i in range(40)}
    assert picks == {"L1", "L2", "L3"}


def test_receipt_starts_the_window_and_retest_lab_differs(
    client: TestClient, roster: list[str], as_zj: dict[str, str]
) -> None:
    plan_id = create_plan(client, as_zj)
    draw(client, as_zj, freeze(client, as_zj, plan_id)["id"])
    task = tasks_of(client, as_zj, plan_id)[0]
    r = client.post(
        f"/tasks/{task['id']}/result",
        headers=as_zj,
        json={"outcome": "fail", "sampling_date": sampled(), "failed_items": [{"item": "Seams"}]},
    )
    assert r.status_code == 201, r.text
    yesterday = (today_in_china() - timedelta(days=1)).isoformat()
    r = client.post(
        f"/tasks/{task['id']}/result/receipt", headers=as_zj, json={"received_on": yesterday}
    )
    assert r.status_code == 422 and r.json()["code"] == "receipt_before_sampling"
    today = today_in_china()
    r = client.post(
        f"/tasks/{task['id']}/result/receipt",
        headers=as_zj,
        json={"received_on": today.isoformat()},
    )
    assert r.status_code == 201, r.text
    expected = period_end(today, Period(15, Unit.DAYS, roll_forward=True)).day
    assert r.json()["retest_deadline"] == expected.isoformat()
    view = client.get(f"/tasks/{task['id']}", headers=as_zj).json()
    assert view["result"]["objection_deadline"] == expected.isoformat()
    # no lab before an objection
    r = client.post(f"/tasks/{task['id']}/result/retest-lab", headers=as_zj)
    assert r.status_code == 409 and r.json()["code"] == "no_objection_pending"
    from tests.inspection.conftest import as_enterprise

    owner = as_enterprise(app_of(client).state.settings, task["enterprise"]["uscc"])
    r = client.post(
        f"/tasks/{task['id']}/result/objection", headers=owner, json={"reason": "re-test please"}
    )
    assert r.status_code == 200, r.text
    r = client.post(f"/tasks/{task['id']}/result/retest-lab", headers=as_zj)
    assert r.status_code == 201, r.text
    drawn = r.json()
    assert drawn["lab_id"] != task["lab"]["id"] and drawn["first_lab_id"] == task["lab"]["id"]
    assert task["lab"]["id"] not in drawn["candidates"] and drawn["lab_id"] in drawn["candidates"]
    public = client.get(f"/public/tasks/{task['id']}/retest-lab").json()
    assert public["algorithm"] == retest.ALGORITHM and retest.check_record(public) == []
    # no contributions required here: the draw seed is the server's seed
    assert public["draw_seed"] == public["seed"] and public["contributions"] == []
    recomputed = retest.draw_retest_lab_v2(
        bytes.fromhex(public["draw_seed"]), public["task_id"], public["candidates"]
    )
    assert recomputed == public["lab_id"] == drawn["lab_id"]
    r = client.post(f"/tasks/{task['id']}/result/retest-lab", headers=as_zj)
    assert r.status_code == 409 and r.json()["code"] == "retest_lab_already_drawn"


def test_each_final_result_has_its_own_publication_deadline(
    client: TestClient, roster: list[str], as_zj: dict[str, str]
) -> None:
    from shared.periods import add_working_days

    plan_id = create_plan(client, as_zj)
    draw(client, as_zj, freeze(client, as_zj, plan_id)["id"])
    task = tasks_of(client, as_zj, plan_id)[0]
    r = client.post(
        f"/tasks/{task['id']}/result",
        headers=as_zj,
        json={"outcome": "pass", "sampling_date": sampled()},
    )
    assert r.status_code == 201, r.text
    today = today_in_china()
    due = add_working_days(today, 20).day
    path = "/regulator/publications/overdue-results"
    assert client.get(path, headers=as_zj, params={"today": due.isoformat()}).json()["items"] == []
    late = (due + timedelta(days=1)).isoformat()
    items = client.get(path, headers=as_zj, params={"today": late}).json()["items"]
    assert [(i["task_id"], i["deadline"], i["days_overdue"]) for i in items] == [
        (task["id"], due.isoformat(), 1)
    ]
    assert "inspection_results_publication_overdue 0.0" in client.get("/metrics").text
    client.post(f"/plans/{plan_id}/publication", headers=as_zj)
    assert client.get(path, headers=as_zj, params={"today": late}).json()["items"] == []
