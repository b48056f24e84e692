"""Issue 13, item 2: late exclusions are committed where an outsider can check them. Each is
appended to the transparency log (a salted leaf) before the draw, the draw's log entry commits
to the ordered list, and both verifiers check a draw record's late exclusions against the
commitment and the log."""

import json
import secrets
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.engine import Engine

from services.inspection import verify as verify_cli
from services.inspection.adapters.orm import PlanRow
from services.inspection.config import InspectionSettings
from services.inspection.domain import late_exclusions as lx
from services.inspection.domain import transparency as tr
from services.inspection.domain.verification import verify, verify_partial
from shared.clock import today_in_china
from tests.inspection.conftest import create_plan, draw, freeze
from tests.inspection.test_draw_inputs import (  # noqa: F401 - the client2 fixture
    _commit,
    _plan_with_contributions,
    _reveal,
    client2,
)
from tests.inspection.test_js_verifier import _run, node  # noqa: F401 - the node fixture
from tests.support import table_of

ALL = {"strata": [{"risk_classes": ["A", "B", "C", "D"], "ratio": "1"}]}


def test_leaves_and_commitment_detect_an_altered_list() -> None:
    entries = [
        {"unit_id": f"U{i}", "rule": "running_check", "cause": {"plan_id": "p", "task_id": None}}
        for i in range(3)
    ]
    salts = [secrets.token_bytes(32) for _ in entries]
    leaves = [lx.leaf(s, e) for s, e in zip(salts, entries, strict=True)]
    stored = [
        {**e, "index": i, "salt": s.hex(), "leaf": x}
        for i, (e, s, x) in enumerate(zip(entries, salts, leaves, strict=True))
    ]
    record = {"late_exclusions": stored, **lx.record_fields(stored)}
    assert lx.check_record(record, complete=True) == []
    assert lx.check_record({**record, "late_exclusions": stored[1:]}, complete=False) == []
    # a dropped entry, an altered cause, an added unit, a reordered list
    assert lx.check_record({**record, "late_exclusions": stored[1:]}, complete=True)
    altered = [dict(e) for e in stored]
    altered[1]["cause"] = {"plan_id": "q", "task_id": None}
    assert lx.check_record({**record, "late_exclusions": altered}, complete=True)
    extra = {"unit_id": "U9", "rule": "running_check", "cause": {}, "index": 3, "salt": "00" * 32}
    assert lx.check_record({**record, "late_exclusions": [*stored, extra]}, complete=True)
    swapped = {**record, "late_exclusion_leaves": [leaves[1], leaves[0], leaves[2]]}
    assert lx.check_record(swapped, complete=False)


def _log(client: TestClient) -> list[dict]:
    entries: list[dict] = client.get("/public/transparency-log", params={"limit": 1000}).json()[
        "entries"
    ]
    return entries


def _end_periods(engine: Engine, *plan_ids: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(table_of(PlanRow))
            .where(table_of(PlanRow).c.id.in_(plan_ids))
            .values(period_end=today_in_china() - timedelta(days=1))
        )


def test_late_exclusions_are_logged_before_the_draw_and_verified(
    client: TestClient,
    roster: list[str],
    as_zj: dict,
    engine: Engine,
    node: str,  # noqa: F811
    tmp_path: Path,
    capsys: object,
) -> None:
    today = today_in_china()
    period = {
        "period_start": (today - timedelta(days=3)).isoformat(),
        "period_end": (today + timedelta(days=20)).isoformat(),
    }
    hz_plan = create_plan(client, as_zj, scope={"regions": ["330100"]}, sampling=ALL, **period)
    hz_snap = freeze(client, as_zj, hz_plan)
    plan_id = create_plan(client, as_zj, sampling=ALL, **period)
    snap = freeze(client, as_zj, plan_id)
    draw(client, as_zj, hz_snap["id"])  # claims 10 units of the second snapshot
    made = draw(client, as_zj, snap["id"])
    log = _log(client)
    assert tr.verify_chain(log).ok
    draw_entry = next(e for e in log if e["subject"] == made["id"])
    logged = [e for e in log if e["kind"] == lx.LOG_KIND and e["subject"] == snap["id"]]
    assert len(logged) == 10 and all(e["seq"] < draw_entry["seq"] for e in logged)
    # the log names no unit before its time: only the salted leaf
    assert all(set(e["payload"]) == {"scheme", "snapshot_id", "plan_id", "leaf"} for e in logged)
    assert draw_entry["payload"]["late_exclusion_count"] == 10
    public = client.get(f"/public/draws/{made['id']}").json()
    assert (
        public["late_exclusions_commitment"] == draw_entry["payload"]["late_exclusions_commitment"]
    )
    assert public["late_exclusions_withheld"] == 10  # the Hangzhou tasks are still secret
    partial = client.get(f"/public/draws/{made['id']}/verification").json()
    assert len(partial["late_exclusion_leaves"]) == 10 and partial["late_exclusions"] == []
    assert verify_partial(partial).ok and lx.check_log(partial, log) == []

    _end_periods(engine, plan_id, hz_plan)  # both sampling periods over: everything public
    full = client.get(f"/public/draws/{made['id']}/verification").json()
    document = client.get(f"/public/snapshots/{snap['id']}/document").content
    assert full["disclosure"] == "complete" and len(full["late_exclusions"]) == 10
    report = verify(full, document)
    assert report.ok, report.problems
    assert lx.check_log(full, log) == []
    (tmp_path / "draw.json").write_text(json.dumps(full))
    (tmp_path / "snap.json").write_bytes(document)
    (tmp_path / "log.json").write_text(json.dumps({"entries": log}))
    args = [str(tmp_path / "draw.json"), "--snapshot", str(tmp_path / "snap.json")]
    assert verify_cli.main([*args, "--log", str(tmp_path / "log.json")]) == 0
    r = _run(node, str(tmp_path / "draw.json"), "--log", str(tmp_path / "log.json"))
    assert r.returncode == 0, r.stdout + r.stderr

    # an altered late exclusion (another cause), one dropped, and a list rewritten after the
    # draw with fresh leaves and commitment: each is caught by both verifiers
    altered = json.loads(json.dumps(full))
    altered["late_exclusions"][0]["cause"]["plan_id"] = "another-plan"
    dropped = {**full, "late_exclusions": full["late_exclusions"][1:]}
    rewritten = json.loads(json.dumps(full))
    kept = rewritten["late_exclusions"][1:]
    for i, e in enumerate(kept):
        e["index"] = i
    rewritten["late_exclusions"] = kept
    rewritten.update(lx.record_fields(kept))
    assert lx.check_record(rewritten, complete=True) == []  # consistent in itself
    for name, forged in (("altered", altered), ("dropped", dropped), ("rewritten", rewritten)):
        problems = verify(forged, document).problems + lx.check_log(forged, log)
        assert problems, name
        (tmp_path / "forged.json").write_text(json.dumps(forged))
        r = _run(node, str(tmp_path / "forged.json"), "--log", str(tmp_path / "log.json"))
        assert r.returncode == 1 and "MISMATCH" in r.stdout, (name, r.stdout + r.stderr)
    assert any("differ from those the draw logged" in p for p in lx.check_log(rewritten, log))


def test_the_completing_reveal_logs_the_late_exclusions_it_seals(
    client2: TestClient,  # noqa: F811
    settings: InspectionSettings,
    roster: list[str],
) -> None:
    plan_id, ids, values, h = _plan_with_contributions(client2, settings)
    today = today_in_china()
    hz_plan = create_plan(
        client2,
        h["zj"],
        scope={"regions": ["330100"]},
        sampling=ALL,
        period_start=(today - timedelta(days=3)).isoformat(),
        period_end=(today + timedelta(days=20)).isoformat(),
    )
    hz_values = {"obs": b"\x55" * 32, "nat": b"\x66" * 32}
    hz_ids = {k: _commit(client2, h[k], hz_plan, hz_values[k]).json()["id"] for k in hz_values}
    hz_snap = freeze(client2, h["zj"], hz_plan)
    snap = freeze(client2, h["zj"], plan_id)
    for k in hz_ids:
        assert _reveal(client2, h[k], hz_ids[k], hz_values[k]).status_code == 200
    draw(client2, h["zj"], hz_snap["id"])  # claims the Hangzhou units of the other snapshot
    assert _reveal(client2, h["obs"], ids["obs"], values["obs"]).status_code == 200
    assert not [e for e in _log(client2) if e["subject"] == snap["id"]][1:]  # nothing sealed
    assert _reveal(client2, h["nat"], ids["nat"], values["nat"]).status_code == 200
    log = _log(client2)
    reveal = next(
        e for e in log if e["subject"] == ids["nat"] and e["kind"] != "contribution_committed"
    )
    sealed = [e for e in log if e["kind"] == lx.LOG_KIND and e["subject"] == snap["id"]]
    assert reveal["payload"]["late_exclusions_sealed"] == len(sealed) == 10
    assert all(e["seq"] < reveal["seq"] for e in sealed)
    made = draw(client2, h["zj"], snap["id"])
    log = _log(client2)
    # the draw logs nothing new: each late exclusion points at the entry the seal made
    assert [e for e in log if e["kind"] == lx.LOG_KIND and e["subject"] == snap["id"]] == sealed
    late = made["late_exclusions"]  # the authority sees them at once
    assert sorted(e["log_seq"] for e in late) == [e["seq"] for e in sealed]
    assert not any(e.get("after_seal") for e in late)
    partial = client2.get(f"/public/draws/{made['id']}/verification").json()
    assert verify_partial(partial).ok and lx.check_log(partial, log) == []
