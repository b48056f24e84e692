"""The second, independent verifier (verifier-js, JavaScript on @noble/hashes) against the
published vectors and against a real draw's public records (issue 13, item 8, part)."""

import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.engine import Engine

from services.inspection.adapters.orm import PlanRow
from services.inspection.domain import retest
from services.inspection.domain import selection_commitment as sc
from shared.clock import today_in_china
from tests.inspection.conftest import create_plan, draw, freeze, tasks_of
from tests.support import table_of

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "verifier-js"
VECTORS = ROOT / "docs" / "draw-vectors.json"


@pytest.fixture(scope="module")
def node() -> str:
    exe = shutil.which("node")
    assert exe, "node (>= 18) is needed for the JavaScript verifier"
    if not (JS / "node_modules" / "@noble" / "hashes").is_dir():  # make test does it first
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS, check=True)
    return exe


def _run(node: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [node, "cli.mjs", *args], cwd=JS, capture_output=True, text=True, timeout=60
    )


def test_python_reproduces_the_published_vectors() -> None:
    vectors = json.loads(VECTORS.read_text())
    for v in vectors["selection_commitment"]:
        key = bytes.fromhex(v["key"])
        assert [s.hex() for s in sc.salts(key, len(v["selection"]))] == v["salts"]
        assert [x.hex() for x in sc.leaves_of(v["selection"], key)] == v["leaves"]
        assert sc.commit(v["selection"], key) == v["commitment"]
    for v in vectors["retest_lab"]:
        lab = retest.draw_retest_lab(bytes.fromhex(v["seed"]), v["task_id"], v["candidates"])
        assert lab == v["lab"]


def test_js_verifier_reproduces_the_vectors(node: str, tmp_path: Path) -> None:
    r = _run(node, "--vectors", str(VECTORS))
    assert r.returncode == 0 and "MATCH" in r.stdout, r.stdout + r.stderr
    forged = json.loads(VECTORS.read_text())
    forged["retest_lab"][1]["lab"] = "CNAS-L9999"
    (tmp_path / "v.json").write_text(json.dumps(forged))
    assert _run(node, "--vectors", str(tmp_path / "v.json")).returncode == 1


def test_js_verifier_checks_a_real_draw(
    node: str,
    client: TestClient,
    roster: list[str],
    as_zj: dict[str, str],
    engine: Engine,
    tmp_path: Path,
) -> None:
    today = today_in_china()
    plan_id = create_plan(
        client,
        as_zj,
        period_start=(today - timedelta(days=3)).isoformat(),
        period_end=(today + timedelta(days=20)).isoformat(),
    )
    made = draw(client, as_zj, freeze(client, as_zj, plan_id)["id"])
    task = tasks_of(client, as_zj, plan_id)[2]
    client.post(
        f"/tasks/{task['id']}/sampling", headers=as_zj, json={"sampled_on": today.isoformat()}
    )
    partial = client.get(f"/public/draws/{made['id']}/verification").json()
    assert partial["disclosure"] == "partial" and len(partial["selection"]) == 1
    (tmp_path / "partial.json").write_text(json.dumps(partial))
    r = _run(node, str(tmp_path / "partial.json"))
    assert r.returncode == 0, r.stdout + r.stderr
    partial["selection"][0]["unit_id"] = "U" + "0" * 20  # claims another unit was drawn
    (tmp_path / "forged.json").write_text(json.dumps(partial))
    assert _run(node, str(tmp_path / "forged.json")).returncode == 1
    with engine.begin() as conn:
        conn.execute(
            update(table_of(PlanRow))
            .where(table_of(PlanRow).c.id == plan_id)
            .values(period_end=today - timedelta(days=1))
        )
    full = client.get(f"/public/draws/{made['id']}/verification").json()
    assert full["disclosure"] == "complete"
    (tmp_path / "full.json").write_text(json.dumps(full))
    r = _run(node, str(tmp_path / "full.json"))
    assert r.returncode == 0 and "5 entries" in r.stdout, r.stdout + r.stderr
    full["selection"][0]["lab"], full["selection"][1]["lab"] = (
        full["selection"][1]["lab"],
        full["selection"][0]["lab"] + "x",
    )
    (tmp_path / "full-forged.json").write_text(json.dumps(full))
    assert _run(node, str(tmp_path / "full-forged.json")).returncode == 1
