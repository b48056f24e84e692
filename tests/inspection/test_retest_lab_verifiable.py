"""Issue 13, item 6: the re-test lab is drawn "verifiably, as in the draw": from the plan's
draw seed (server seed combined with the revealed contributions) and the task id, over the
accredited labs other than the first; both verifiers recompute it and detect a wrong lab."""

import json
from pathlib import Path

from fastapi.testclient import TestClient

from services.inspection import verify as verify_cli
from services.inspection.config import InspectionSettings
from services.inspection.domain import retest
from tests.inspection.conftest import as_enterprise, draw, freeze, sampled, tasks_of
from tests.inspection.test_draw_inputs import _plan_with_contributions, _reveal, client2  # noqa: F401
from tests.inspection.test_js_verifier import _run, node  # noqa: F401 - the node fixture

SEED, DRAW_SEED = b"\x05" * 32, bytes(range(32))
LABS = ["L4", "L2", "L3", "L5"]


def test_v2_uses_the_draw_seed_and_the_checker_catches_each_forgery() -> None:
    lab = retest.draw_retest_lab_v2(DRAW_SEED, "t-1", LABS)
    assert lab == retest.draw_retest_lab_v2(DRAW_SEED, "t-1", sorted(LABS, reverse=True))
    # the same inputs through v1 read another stream: over 40 seeds the two must disagree
    assert any(
        retest.draw_retest_lab(bytes([i]) * 32, "t-1", LABS)
        != retest.draw_retest_lab_v2(bytes([i]) * 32, "t-1", LABS)
        for i in range(40)
    )
    record = {
        "algorithm": retest.ALGORITHM,
        "task_id": "t-1",
        "seed": DRAW_SEED.hex(),
        "snapshot_hash": "00" * 32,
        "contributions": [],
        "draw_seed": DRAW_SEED.hex(),
        "first_lab_id": "L1",
        "candidates": LABS,
        "lab_id": lab,
    }
    assert retest.check_record(record) == []
    other = next(c for c in LABS if c != lab)
    assert retest.check_record({**record, "lab_id": other})  # a wrong lab
    assert retest.check_record({**record, "first_lab_id": lab})  # the first lab again
    assert retest.check_record({**record, "candidates": [*LABS, "L1"]})  # first lab a candidate
    assert retest.check_record({**record, "draw_seed": "11" * 32})  # a draw seed of its own


def _objected_task(client: TestClient, h: dict, settings: InspectionSettings, plan_id: str) -> dict:
    task = tasks_of(client, h, plan_id)[0]
    body = {"outcome": "fail", "sampling_date": sampled(), "failed_items": [{"item": "Seams"}]}
    assert client.post(f"/tasks/{task['id']}/result", headers=h, json=body).status_code == 201
    owner = as_enterprise(settings, task["enterprise"]["uscc"])
    r = client.post(
        f"/tasks/{task['id']}/result/objection", headers=owner, json={"reason": "re-test"}
    )
    assert r.status_code == 200, r.text
    return task


def test_retest_lab_comes_from_the_combined_draw_seed_and_both_verifiers_check_it(
    client2: TestClient,  # noqa: F811
    settings: InspectionSettings,
    roster: list[str],
    node: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    plan_id, ids, values, h = _plan_with_contributions(client2, settings)
    snap = freeze(client2, h["zj"], plan_id)
    for k in ("obs", "nat"):
        assert _reveal(client2, h[k], ids[k], values[k]).status_code == 200
    made = draw(client2, h["zj"], snap["id"])
    task = _objected_task(client2, h["zj"], settings, plan_id)
    r = client2.post(f"/tasks/{task['id']}/result/retest-lab", headers=h["zj"])
    assert r.status_code == 201, r.text
    public = client2.get(f"/public/tasks/{task['id']}/retest-lab").json()
    draw_seed = client2.get(f"/public/draws/{made['id']}").json()["draw_seed"]
    assert public["draw_seed"] == draw_seed != public["seed"]
    assert sorted(c["id"] for c in public["contributions"]) == sorted(ids.values())
    assert public["lab_id"] != public["first_lab_id"] == task["lab"]["id"]
    assert public["first_lab_id"] not in public["candidates"]
    assert retest.check_record(public) == []
    assert public["lab_id"] == retest.draw_retest_lab_v2(
        bytes.fromhex(draw_seed), task["id"], public["candidates"]
    )
    (tmp_path / "lab.json").write_text(json.dumps(public))
    assert verify_cli.main([str(tmp_path / "lab.json")]) == 0
    r = _run(node, str(tmp_path / "lab.json"))
    assert r.returncode == 0 and "MATCH" in r.stdout, r.stdout + r.stderr
    # a lab the draw seed does not give, and a lab drawn from the server's seed alone
    wrong = next(c for c in public["candidates"] if c != public["lab_id"])
    server_only = retest.draw_retest_lab_v2(
        bytes.fromhex(public["seed"]), task["id"], public["candidates"]
    )
    forgeries = [{**public, "lab_id": wrong}, {**public, "draw_seed": public["seed"]}]
    if server_only != public["lab_id"]:
        forgeries.append({**public, "lab_id": server_only})
    altered = [dict(c) for c in public["contributions"]]
    altered[0]["value"] = "44" * 32
    forgeries.append({**public, "contributions": altered})
    for forged in forgeries:
        assert retest.check_record(forged), forged
        (tmp_path / "forged.json").write_text(json.dumps(forged))
        assert verify_cli.main([str(tmp_path / "forged.json")]) == 1
        r = _run(node, str(tmp_path / "forged.json"))
        assert r.returncode == 1 and "MISMATCH" in r.stdout, r.stdout + r.stderr
