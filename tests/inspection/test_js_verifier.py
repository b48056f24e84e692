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
from services.inspection.domain.draw import Recusal, canonical_bytes, compute_draw, sha256_hex
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
    assert len(vectors["retest_lab_v2"]) == 2
    for v in vectors["retest_lab_v2"]:
        assert retest.check_record(v) == [], v["name"]
        assert v["lab_id"] != v["first_lab_id"]


def test_js_verifier_reproduces_the_vectors(node: str, tmp_path: Path) -> None:
    r = _run(node, "--vectors", str(VECTORS))
    assert r.returncode == 0 and "MATCH" in r.stdout, r.stdout + r.stderr
    forged = json.loads(VECTORS.read_text())
    forged["retest_lab"][1]["lab"] = "CNAS-L9999"
    (tmp_path / "v.json").write_text(json.dumps(forged))
    assert _run(node, "--vectors", str(tmp_path / "v.json")).returncode == 1
    # a re-test lab drawn from another candidate than the draw seed gives is caught by both
    forged = json.loads(VECTORS.read_text())
    v2 = forged["retest_lab_v2"][0]
    v2["lab_id"] = next(c for c in v2["candidates"] if c != v2["lab_id"])
    assert any("the draw gives" in p for p in retest.check_record(v2))
    (tmp_path / "v2.json").write_text(json.dumps(forged))
    r = _run(node, "--vectors", str(tmp_path / "v2.json"))
    assert r.returncode == 1 and "MISMATCH retest v2" in r.stdout, r.stdout


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
    document = client.get(f"/public/snapshots/{full['snapshot_id']}/document").content
    (tmp_path / "snap.json").write_bytes(document)
    r = _run(node, str(tmp_path / "full.json"), "--snapshot", str(tmp_path / "snap.json"))
    assert r.returncode == 0, r.stdout + r.stderr  # units, teams, labs and digest recomputed
    # two drawn units swapped (their teams and labs with them): the selection itself is wrong
    swapped = json.loads(json.dumps(full))
    swapped["selection"][0], swapped["selection"][1] = (
        {**full["selection"][1], "stratum": full["selection"][0]["stratum"], "rank": 1},
        {**full["selection"][0], "stratum": full["selection"][1]["stratum"], "rank": 2},
    )
    (tmp_path / "swapped.json").write_text(json.dumps(swapped))
    r = _run(node, str(tmp_path / "swapped.json"), "--snapshot", str(tmp_path / "snap.json"))
    assert r.returncode == 1 and "entry 0: published" in r.stdout, r.stdout + r.stderr
    # a result digest that is not that of the selection
    digest = {**full, "result_digest": "0" * 64}
    (tmp_path / "digest.json").write_text(json.dumps(digest))
    r = _run(node, str(tmp_path / "digest.json"), "--snapshot", str(tmp_path / "snap.json"))
    assert r.returncode == 1 and "result digest" in r.stdout, r.stdout + r.stderr
    # a recusal the snapshot did not commit (it would steer a team) is reported
    unit = full["selection"][0]
    extra = {"unit_id": unit["unit_id"], "kind": "inspector", "id": unit["inspectors"][0]}
    steered = {**full, "recusals": [*full["recusals"], {**extra, "reason": "conflict_of_interest"}]}
    (tmp_path / "steered.json").write_text(json.dumps(steered))
    r = _run(node, str(tmp_path / "steered.json"), "--snapshot", str(tmp_path / "snap.json"))
    assert r.returncode == 1 and "recusals differ" in r.stdout, r.stdout + r.stderr
    full["selection"][0]["lab"], full["selection"][1]["lab"] = (
        full["selection"][1]["lab"],
        full["selection"][0]["lab"] + "x",
    )
    (tmp_path / "full-forged.json").write_text(json.dumps(full))
    assert _run(node, str(tmp_path / "full-forged.json")).returncode == 1


def test_both_verifiers_reproduce_the_team_vectors_and_catch_a_wrong_joint_team(
    node: str, tmp_path: Path
) -> None:
    vectors = json.loads(VECTORS.read_text())
    assert [bool(v["snapshot"]["plan"].get("departments")) for v in vectors["teams"]] == [
        True,
        False,
    ]
    for v in vectors["teams"]:
        assert sha256_hex(canonical_bytes(v["snapshot"])) == v["snapshot_hash"]
        recusals = [Recusal(r["unit_id"], r["kind"], r["id"], r["reason"]) for r in v["recusals"]]
        outcome = compute_draw(v["snapshot"], bytes.fromhex(v["draw_seed"]), recusals=recusals)
        assert outcome.selection_doc() == v["selection"], v["name"]
    joint = vectors["teams"][0]
    departments = joint["snapshot"]["plan"]["departments"]
    of = dict(
        zip(
            joint["snapshot"]["inspectors"]["inspector_id"],
            joint["snapshot"]["inspectors"]["department"],
            strict=True,
        )
    )
    for entry in joint["selection"]:  # one member of each department, in their order, first
        assert [of[i] for i in entry["inspectors"][: len(departments)]] == departments
    # a wrong joint team (members swapped), and the same document read as a plain plan
    swapped = json.loads(VECTORS.read_text())
    first = swapped["teams"][0]["selection"][0]
    first["inspectors"] = [first["inspectors"][1], first["inspectors"][0], *first["inspectors"][2:]]
    plain = json.loads(VECTORS.read_text())
    del plain["teams"][0]["snapshot"]["plan"]["departments"]
    plain["teams"][0]["snapshot_hash"] = sha256_hex(canonical_bytes(plain["teams"][0]["snapshot"]))
    for name, forged in (("swapped", swapped), ("plain", plain)):
        (tmp_path / "v.json").write_text(json.dumps(forged))
        r = _run(node, "--vectors", str(tmp_path / "v.json"))
        assert r.returncode == 1 and "MISMATCH teams joint" in r.stdout, (name, r.stdout)


def test_both_verifiers_reproduce_the_draw_vectors_and_catch_a_swapped_selection(
    node: str, tmp_path: Path
) -> None:
    vectors = json.loads(VECTORS.read_text())
    assert len(vectors["draws"]) == 2
    for v in vectors["draws"]:
        doc = v["snapshot"]
        strata = doc["plan"]["sampling"]["strata"]
        assert [s["size"] is not None for s in strata] == [True, False], v["name"]
        assert max(doc["units"]["weight"]) > 1 and any(doc["units"]["dishonest"])
        assert sha256_hex(canonical_bytes(doc)) == v["snapshot_hash"]
        late = [e["unit_id"] for e in v["late_exclusions"]]
        outcome = compute_draw(doc, bytes.fromhex(v["draw_seed"]), late_excluded=late)
        assert outcome.selection_doc() == v["selection"], v["name"]
        assert outcome.result_digest == v["result_digest"]
        assert [vars(s) for s in outcome.strata] == v["strata"]
        # the late exclusion matters: without it that unit is drawn
        drawn = compute_draw(doc, bytes.fromhex(v["draw_seed"])).selection_doc()
        assert late[0] in [e["unit_id"] for e in drawn]
    # a ratio given as a JSON number is Decimal(0.2), a little above 0.2: ceil(2.000...1) = 3
    assert vectors["draws"][1]["strata"][1] == {"stratum": 1, "available": 10, "target": 3}
    # two units of the selection swapped (rank order of stratum 0), and the digest to match
    forged = json.loads(VECTORS.read_text())
    selection = forged["draws"][0]["selection"]
    selection[0]["unit_id"], selection[1]["unit_id"] = (
        selection[1]["unit_id"],
        selection[0]["unit_id"],
    )
    forged["draws"][0]["result_digest"] = sha256_hex(canonical_bytes(selection))
    (tmp_path / "v.json").write_text(json.dumps(forged))
    r = _run(node, "--vectors", str(tmp_path / "v.json"))
    assert r.returncode == 1 and "MISMATCH draw size and decimal ratio" in r.stdout, r.stdout
    assert r.stdout.count("MISMATCH") == 1
