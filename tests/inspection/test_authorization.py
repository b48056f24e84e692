"""Who may do what: a plan's own authority manages it; enterprises see their own tasks; the
public sees draws and published results; nobody sees what is not theirs."""

import pytest
from fastapi.testclient import TestClient

from services.inspection.config import InspectionSettings
from tests.inspection.conftest import (
    as_enterprise,
    bearer,
    create_plan,
    draw,
    freeze,
    plan_body,
    post_csv,
    sampled,
    tasks_of,
    units_csv,
)


def test_anonymous_may_not_manage(client: TestClient, roster: list[str]) -> None:
    for method, path in (
        ("post", "/plans"),
        ("get", "/plans"),
        ("post", "/rosters/units/import"),
        ("get", "/regulator/publications/overdue"),
        ("get", "/my/tasks"),
    ):
        r = getattr(client, method)(path)
        assert r.status_code == 401, (path, r.text)
        assert r.json()["code"] == "unauthenticated"


def test_bad_token_is_401(client: TestClient) -> None:
    r = client.get("/tasks/x", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"


def test_enterprise_may_not_act_as_regulator(
    client: TestClient, roster: list[str], settings: InspectionSettings
) -> None:
    owner = as_enterprise(settings, "91330100MA00000072")
    assert client.post("/plans", headers=owner, json=plan_body()).status_code == 403
    r = post_csv(client, "/rosters/units/import", units_csv(2), owner)
    assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"


@pytest.fixture
def drawn(
    client: TestClient, roster: list[str], as_zj: dict[str, str]
) -> tuple[str, str, list[dict]]:
    plan_id = create_plan(client, as_zj)
    snap = freeze(client, as_zj, plan_id)
    made = draw(client, as_zj, snap["id"])
    return plan_id, made["id"], tasks_of(client, as_zj, plan_id)


def test_other_authorities_cannot_manage_the_plan(
    client: TestClient,
    drawn: tuple[str, str, list[dict]],
    as_hz: dict[str, str],
    as_js: dict[str, str],
    as_national: dict[str, str],
    settings: InspectionSettings,
) -> None:
    plan_id, _, tasks = drawn
    other_dept = bearer(
        settings,
        {
            "role": "regulator",
            "sub": "x",
            "authority_level": "provincial",
            "region_code": "330000",
            "department": "ZJ-OTHER",
        },
    )
    for headers in (as_hz, as_js, as_national, other_dept):
        r = client.post(f"/plans/{plan_id}/snapshots", headers=headers)
        assert r.status_code == 403 and r.json()["code"] == "not_plan_authority"
        r = client.post(
            f"/tasks/{tasks[0]['id']}/result",
            headers=headers,
            json={"outcome": "pass", "sampling_date": sampled()},
        )
        assert r.status_code == 403
        assert client.post(f"/plans/{plan_id}/publication", headers=headers).status_code == 403
    # a lower level or another province does not even see the plan's tasks
    for headers in (as_hz, as_js):
        assert client.get(f"/plans/{plan_id}", headers=headers).status_code == 404
        assert client.get(f"/plans/{plan_id}/tasks", headers=headers).status_code == 404
        assert client.get(f"/tasks/{tasks[0]['id']}", headers=headers).status_code == 404
    # the national authority oversees (reads) everything
    assert client.get(f"/plans/{plan_id}", headers=as_national).status_code == 200


def test_enterprise_sees_only_its_own_tasks(
    client: TestClient, drawn: tuple[str, str, list[dict]], settings: InspectionSettings
) -> None:
    _, _, tasks = drawn
    mine, other = (
        tasks[0],
        next(t for t in tasks if t["enterprise"]["uscc"] != tasks[0]["enterprise"]["uscc"]),
    )
    owner = as_enterprise(settings, mine["enterprise"]["uscc"])
    listed = client.get("/my/tasks", headers=owner).json()["items"]
    assert listed and {t["enterprise"]["uscc"] for t in listed} == {mine["enterprise"]["uscc"]}
    assert client.get(f"/tasks/{mine['id']}", headers=owner).status_code == 200
    r = client.get(f"/tasks/{other['id']}", headers=owner)
    assert r.status_code == 404 and r.json()["code"] == "task_not_found"
    # their view of the team masks the inspectors' names
    view = client.get(f"/tasks/{mine['id']}", headers=owner).json()
    assert all("*" in m["name"] for m in view["team"])
    assert client.get(f"/tasks/{mine['id']}").status_code == 404  # anonymous


def test_only_the_inspected_enterprise_may_object(
    client: TestClient,
    drawn: tuple[str, str, list[dict]],
    as_zj: dict[str, str],
    settings: InspectionSettings,
) -> None:
    _, _, tasks = drawn
    task = tasks[0]
    client.post(
        f"/tasks/{task['id']}/result",
        headers=as_zj,
        json={"outcome": "fail", "sampling_date": sampled(), "failed_items": [{"item": "Marking"}]},
    )
    stranger = as_enterprise(settings, "91330100MA00000072")
    r = client.post(
        f"/tasks/{task['id']}/result/objection", headers=stranger, json={"reason": "no"}
    )
    assert r.status_code == 404
    r = client.post(f"/tasks/{task['id']}/result/objection", headers=as_zj, json={"reason": "no"})
    assert r.status_code == 403
    owner = as_enterprise(settings, task["enterprise"]["uscc"])
    assert (
        client.post(
            f"/tasks/{task['id']}/result/objection",
            headers=owner,
            json={"reason": "re-test please"},
        ).status_code
        == 200
    )


def test_public_sees_draws_but_results_only_once_published(
    client: TestClient, drawn: tuple[str, str, list[dict]], as_zj: dict[str, str]
) -> None:
    plan_id, draw_id, tasks = drawn
    assert client.get(f"/public/draws/{draw_id}").status_code == 200
    assert client.get(f"/public/draws/{draw_id}/verification").status_code == 200
    client.post(
        f"/tasks/{tasks[0]['id']}/result",
        headers=as_zj,
        json={"outcome": "pass", "sampling_date": sampled()},
    )
    assert client.get("/public/results", params={"plan_id": plan_id}).json()["items"] == []
    client.post(f"/plans/{plan_id}/publication", headers=as_zj)
    assert len(client.get("/public/results", params={"plan_id": plan_id}).json()["items"]) == 1


def test_import_outside_jurisdiction_is_a_row_error(
    client: TestClient, as_hz: dict[str, str]
) -> None:
    r = post_csv(client, "/rosters/units/import", units_csv(6), as_hz)  # lines 4-7: Ningbo, Wenzhou
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert {(e["row"], e["code"]) for e in errors} == {
        (n, "outside_jurisdiction") for n in (4, 5, 6, 7)
    }


def test_seed_is_secret_until_the_draw(
    client: TestClient, roster: list[str], as_zj: dict[str, str]
) -> None:
    plan_id = create_plan(client, as_zj)
    snap = freeze(client, as_zj, plan_id)
    for path in (
        f"/public/snapshots/{snap['id']}",
        f"/public/snapshots/{snap['id']}/document",
        f"/plans/{plan_id}",
    ):
        r = client.get(path, headers=as_zj)
        assert r.status_code == 200
        assert "seed_hex" not in r.text and '"seed":' not in r.text
