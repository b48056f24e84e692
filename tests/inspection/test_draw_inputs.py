"""Issue 13, item 2: draw randomness no single party controls, recusals committed in the
snapshot, and the public hash-chained transparency log (with its CLI)."""

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, update
from sqlalchemy.engine import Engine

from services.inspection import transparency as cli
from services.inspection.adapters.orm import PlanRow
from services.inspection.adapters.orm_draw_inputs import TransparencyEntryRow
from services.inspection.config import InspectionSettings
from services.inspection.domain import draw_seed
from services.inspection.domain import selection_commitment as sc
from services.inspection.domain import transparency as tr
from services.inspection.domain.verification import verify, verify_partial
from services.inspection.entrypoints.api import create_app
from services.inspection.service_layer.draw_inputs import late_exclusion_docs
from shared.clock import today_in_china
from tests.inspection.conftest import (
    NATIONAL,
    ZJ,
    bearer,
    create_plan,
    draw,
    freeze,
    tasks_of,
)
from tests.inspection.test_js_verifier import _run, node  # noqa: F401 - the node fixture
from tests.support import table_of

VECTORS = Path(__file__).resolve().parents[2] / "docs" / "draw-vectors.json"
OBSERVER = {"role": "observer", "sub": "observer-1"}
LOG = tr.Kind


# -- pure: the seed combination and the chain --------------------------------------------------
def test_python_reproduces_the_draw_seed_and_log_vectors() -> None:
    vectors = json.loads(VECTORS.read_text())
    assert len(vectors["draw_seed"]) == 3
    for v in vectors["draw_seed"]:
        values = {c["id"]: bytes.fromhex(c["value"]) for c in v["contributions"]}
        for c in v["contributions"]:
            assert draw_seed.contribution_commitment(values[c["id"]]) == c["commitment"]
        combined = draw_seed.combine(bytes.fromhex(v["seed"]), v["snapshot_hash"], values)
        assert combined.hex() == v["draw_seed"]
    for v in vectors["transparency_log"]:
        report = tr.verify_chain(v["entries"])
        assert report.ok and report.head == (v["head"]["seq"], v["head"]["entry_hash"])


def test_every_contribution_changes_the_draw_seed_and_order_does_not() -> None:
    seed, snap = b"\x01" * 32, hashlib.sha256(b"s").hexdigest()
    a, b = {"a": b"\x02" * 32, "b": b"\x03" * 32}, {"b": b"\x03" * 32, "a": b"\x02" * 32}
    assert draw_seed.combine(seed, snap, a) == draw_seed.combine(seed, snap, b)
    assert draw_seed.combine(seed, snap, a) != draw_seed.combine(
        seed, snap, {**a, "b": b"\x04" * 32}
    )
    assert draw_seed.combine(seed, snap, a) != draw_seed.combine(seed, snap, {})
    section = {
        "required": 2,
        "committed": [
            {"id": k, "commitment": draw_seed.contribution_commitment(v)} for k, v in a.items()
        ],
    }
    good = [{"id": k, "value": v.hex()} for k, v in a.items()]
    assert draw_seed.check_contributions(section, good, seed, snap).draw_seed is not None
    forged = [good[0], {"id": "b", "value": "05" * 32}]
    assert draw_seed.check_contributions(section, forged, seed, snap).problems == [
        "contribution b does not match its commitment"
    ]
    assert (
        "not revealed" in draw_seed.check_contributions(section, good[:1], seed, snap).problems[0]
    )


START = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def test_drawn_units_take_their_recusals_from_the_committed_list_only() -> None:
    doc = {
        "plan": {"team_size": 2, "cross_region_teams": True, "region_granularity": 4},
        "inspectors": {
            "inspector_id": ["I1", "I2", "I3", "I4"],
            "region_code": ["330100", "330200", "330300", "330200"],
            "expertise": [["toys"], ["toys"], ["toys"], ["food"]],
        },
        "labs": {"lab_id": ["L1", "L2"], "categories": [["toys"], ["food"]]},
        "units": {
            "unit_id": ["U1", "U2"],
            "enterprise_uscc": ["E1", "E2"],
            "region_code": ["330100", "330100"],
            "product_category": ["toys", "toys"],
        },
    }
    committed = draw_seed.committed_recusal_list(
        {"E1": {"I3", "I4"}}, {"E1": {"L1", "L2"}}, {"E1": {"I2", "I3"}, "E9": {"I1"}}, ["E1", "E2"]
    )
    assert [r for r in committed if r["id"] == "I3"] == [  # a conflict wins over recent
        {"enterprise_uscc": "E1", "kind": "inspector", "id": "I3", "reason": "conflict_of_interest"}
    ]
    assert all(r["enterprise_uscc"] == "E1" for r in committed)  # E9 is not in the snapshot
    found = draw_seed.unit_recusals(
        {**doc, "committed_recusals": committed}, [(0, 1, 0), (0, 2, 1)]
    )
    # I1 is same-region and I4 lacks the expertise, L2 the accreditation: not candidates
    assert [(r.unit_id, r.kind, r.member_id, r.reason) for r in found] == [
        ("U1", "inspector", "I3", "conflict_of_interest"),
        ("U1", "inspector", "I2", "inspected_recently"),
        ("U1", "lab", "L1", "conflict_of_interest"),
    ]


def test_late_exclusions_after_the_seal_are_flagged() -> None:
    entry = {"unit_id": "U2", "rule": "running_check", "cause": {}}

    def flagged(sealed: list[dict] | None) -> bool:
        return bool(late_exclusion_docs([entry], sealed)[0].get("after_seal"))

    assert not flagged(None)  # no contributions: nothing sealed
    assert not flagged([{"unit_id": "U2"}])  # a seal from before the log entries
    logged = {**entry, "salt": "ab" * 32, "leaf": "cd" * 32, "log_seq": 7}
    doc = late_exclusion_docs([entry], [logged])[0]
    assert not doc.get("after_seal") and (doc["leaf"], doc["log_seq"]) == ("cd" * 32, 7)
    assert flagged([{"unit_id": "U1"}])


def _chain(n: int) -> list[dict[str, Any]]:
    entries, prev = [], tr.GENESIS
    start = START
    for i in range(1, n + 1):
        e = tr.make_entry(i, start + timedelta(seconds=i), LOG.DRAW, f"d{i}", {"n": i}, prev)
        entries.append(e)
        prev = e["entry_hash"]
    return entries


def test_the_chain_detects_altered_removed_and_rewritten_entries() -> None:
    entries = _chain(5)
    assert tr.verify_chain(entries).ok
    altered = [dict(e) for e in entries]
    altered[2]["payload"] = {"n": 99}
    assert any("payload" in p for p in tr.verify_chain(altered).problems)
    assert not tr.verify_chain(entries[:2] + entries[3:]).ok  # a removed row
    # a tail rewritten consistently passes alone, but not against a head noted earlier
    noted = (4, entries[3]["entry_hash"])
    rewritten = entries[:3] + [
        tr.make_entry(
            4, START + timedelta(seconds=4), LOG.DRAW, "d4", {"n": 0}, entries[2]["entry_hash"]
        )
    ]
    assert tr.verify_chain(rewritten).ok
    assert not tr.verify_chain(rewritten, expect=noted).ok
    assert not tr.verify_chain(entries[:3], expect=noted).ok  # truncated below the noted head


# -- through the API, with two contributions required -------------------------------------------
@pytest.fixture
def client2(settings: InspectionSettings, engine: Engine) -> Iterator[TestClient]:
    two = settings.model_copy(update={"draw_contributions_required": 2})
    with TestClient(create_app(two, engine), raise_server_exceptions=False) as c:
        yield c


def _commit(client: TestClient, h: dict, plan_id: str, value: bytes) -> Any:
    body = {"commitment": draw_seed.contribution_commitment(value)}
    return client.post(f"/plans/{plan_id}/contributions", headers=h, json=body)


def _reveal(client: TestClient, h: dict, cid: str, value: bytes) -> Any:
    return client.post(f"/contributions/{cid}/reveal", headers=h, json={"value": value.hex()})


def _plan_with_contributions(client: TestClient, settings: InspectionSettings) -> tuple:
    as_zj, as_obs, as_nat = (bearer(settings, c) for c in (ZJ, OBSERVER, NATIONAL))
    today = today_in_china()
    plan_id = create_plan(
        client,
        as_zj,
        period_start=(today - timedelta(days=3)).isoformat(),
        period_end=(today + timedelta(days=20)).isoformat(),
    )
    values = {"obs": b"\x11" * 32, "nat": b"\x22" * 32}
    own = _commit(client, as_zj, plan_id, b"\x33" * 32)
    assert own.status_code == 403 and own.json()["code"] == "plan_authority_cannot_contribute"
    r = _commit(client, as_obs, plan_id, values["obs"])
    assert r.status_code == 201, r.text
    obs_id = r.json()["id"]
    assert _commit(client, as_obs, plan_id, values["obs"]).status_code == 409  # one each
    early = _reveal(client, as_obs, obs_id, values["obs"])
    assert early.status_code == 409 and early.json()["code"] == "contribution_pending"
    few = client.post(f"/plans/{plan_id}/snapshots", headers=as_zj)
    assert few.status_code == 409 and few.json()["code"] == "too_few_contributions"
    r = _commit(client, as_nat, plan_id, values["nat"])
    assert r.status_code == 201, r.text
    ids = {"obs": obs_id, "nat": r.json()["id"]}
    heads = {"zj": as_zj, "obs": as_obs, "nat": as_nat}
    return plan_id, ids, values, heads


def test_draw_needs_revealed_contributions_and_verifies(
    client2: TestClient, settings: InspectionSettings, roster: list[str], engine: Engine
) -> None:
    plan_id, ids, values, h = _plan_with_contributions(client2, settings)
    snap = freeze(client2, h["zj"], plan_id)
    listed = client2.get(f"/public/snapshots/{snap['id']}/contributions").json()
    assert sorted(c["id"] for c in listed) == sorted(ids.values())
    assert all(c["value"] is None for c in listed)
    refused = client2.post(f"/snapshots/{snap['id']}/draw", headers=h["zj"], json={})
    assert refused.status_code == 409 and refused.json()["code"] == "contributions_not_revealed"
    wrong = _reveal(client2, h["obs"], ids["obs"], b"\x12" * 32)
    assert wrong.status_code == 422 and wrong.json()["code"] == "contribution_mismatch"
    assert _reveal(client2, h["nat"], ids["obs"], values["obs"]).status_code == 403
    assert _reveal(client2, h["obs"], ids["obs"], values["obs"]).status_code == 200
    assert _reveal(client2, h["obs"], ids["obs"], values["obs"]).status_code == 409  # twice
    half = client2.post(f"/snapshots/{snap['id']}/draw", headers=h["zj"], json={})
    assert half.status_code == 409
    assert _reveal(client2, h["nat"], ids["nat"], values["nat"]).status_code == 200
    made = draw(client2, h["zj"], snap["id"])
    reveals = [
        e["payload"]
        for e in client2.get("/public/transparency-log").json()["entries"]
        if e["kind"] == LOG.CONTRIBUTION_REVEALED
    ]
    # only the reveal that completed the set sealed the late exclusions (none here)
    assert [p.get("late_exclusions_sealed") for p in reveals] == [None, 0]
    seed = bytes.fromhex(made["seed"])
    expected = draw_seed.combine(seed, made["snapshot_hash"], {ids[k]: values[k] for k in ids})
    public = client2.get(f"/public/draws/{made['id']}").json()
    assert public["draw_seed"] == expected.hex() != made["seed"]
    partial = client2.get(f"/public/draws/{made['id']}/verification").json()
    assert partial["draw_seed"] == expected.hex() and verify_partial(partial).ok
    forged = {**partial, "draw_seed": "00" * 32}
    assert not verify_partial(forged).ok
    with engine.begin() as conn:  # the sampling period ends: the whole draw is public
        conn.execute(
            update(table_of(PlanRow))
            .where(table_of(PlanRow).c.id == plan_id)
            .values(period_end=today_in_china() - timedelta(days=1))
        )
    full = client2.get(f"/public/draws/{made['id']}/verification").json()
    document = client2.get(f"/public/snapshots/{snap['id']}/document")
    assert document.status_code == 200, document.text
    assert "committed_recusals" in json.loads(document.content)
    report = verify(full, document.content)
    assert report.ok and report.selected == 5, report.problems
    other = [dict(c) for c in full["contributions"]]
    other[0]["value"] = "44" * 32  # a value never committed to
    assert "does not match its commitment" in " ".join(
        verify({**full, "contributions": other}, document.content).problems
    )
    # recusals the snapshot did not commit (a conflict declared after the freeze) are reported
    added = {"unit_id": full["selection"][0]["unit_id"], "kind": "lab", "id": "L", "reason": "x"}
    assert "recusals differ" in " ".join(
        verify({**full, "recusals": [*full["recusals"], added]}, document.content).problems
    )
    # the contributions the snapshot lists cannot be left out
    assert not verify({**full, "contributions": []}, document.content).ok


def test_js_verifier_checks_contributions(node: str, tmp_path: Path) -> None:  # noqa: F811
    v = json.loads(VECTORS.read_text())["draw_seed"][2]
    seed = bytes.fromhex(v["seed"])
    record = {  # a sealed record of a draw with three contributions (nothing revealed yet)
        "format": "inspection-draw/1",
        "disclosure": "partial",
        "draw_id": "d1",
        "seed": v["seed"],
        "seed_commitment": hashlib.sha256(seed).hexdigest(),
        "snapshot_hash": v["snapshot_hash"],
        "contributions": v["contributions"],
        "draw_seed": v["draw_seed"],
        "selected_count": 0,
        "leaves": [],
        "selection": [],
        "selection_commitment": sc.commitment_of_leaves([]),
    }
    assert verify_partial(record).ok
    (tmp_path / "r.json").write_text(json.dumps(record))
    r = _run(node, str(tmp_path / "r.json"))
    assert r.returncode == 0, r.stdout + r.stderr
    swapped = [dict(c) for c in v["contributions"]]
    swapped[0]["value"], swapped[1]["value"] = swapped[1]["value"], swapped[0]["value"]
    for forged in ({**record, "draw_seed": v["seed"]}, {**record, "contributions": swapped}):
        assert not verify_partial(forged).ok
        (tmp_path / "f.json").write_text(json.dumps(forged))
        r = _run(node, str(tmp_path / "f.json"))
        assert r.returncode == 1 and "MISMATCH" in r.stdout, r.stdout
    vectors = json.loads(VECTORS.read_text())
    vectors["draw_seed"][1]["draw_seed"] = vectors["draw_seed"][2]["draw_seed"]
    vectors["transparency_log"][0]["entries"][1]["payload"]["unit_count"] = 31
    (tmp_path / "v.json").write_text(json.dumps(vectors))
    r = _run(node, "--vectors", str(tmp_path / "v.json"))
    assert r.returncode == 1 and "2 vectors differ" in r.stdout, r.stdout


# -- the transparency log ----------------------------------------------------------------------
def _fetch(client: TestClient) -> cli.Fetch:
    def fetch(url: str, params: dict[str, Any]) -> dict[str, Any]:
        r = client.get(url.removeprefix("http://testserver"), params=params)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    return fetch


def test_the_log_records_every_event_and_the_cli_detects_tampering(
    client: TestClient, as_zj: dict, roster: list[str], engine: Engine, capsys: Any
) -> None:
    plan_id = create_plan(client, as_zj)
    freeze(client, as_zj, plan_id)  # abandoned by the next freeze
    first = draw(client, as_zj, freeze(client, as_zj, plan_id)["id"])
    second = draw(client, as_zj, freeze(client, as_zj, plan_id)["id"], reason="lab closed")
    task = tasks_of(client, as_zj, plan_id, "assigned")[0]
    r = client.post(f"/tasks/{task['id']}/cancel", headers=as_zj, json={"reason": "closed down"})
    assert r.status_code == 200, r.text
    page = client.get("/public/transparency-log", params={"limit": 3}).json()
    assert [e["seq"] for e in page["entries"]] == [1, 2, 3] and page["next_after"] == 3
    everything = client.get("/public/transparency-log").json()["entries"]
    kinds = [e["kind"] for e in everything]
    assert kinds == [
        LOG.SNAPSHOT_COMMITTED,
        LOG.SNAPSHOT_ABANDONED,
        LOG.SNAPSHOT_COMMITTED,
        LOG.DRAW,
        LOG.SNAPSHOT_COMMITTED,
        LOG.REDRAW,
        LOG.TASK_CANCELLED,
    ]
    assert everything[3]["subject"] == first["id"] and everything[5]["subject"] == second["id"]
    assert everything[5]["payload"]["redraw_reason"] == "lab closed"
    url = "http://testserver"
    assert cli.main(["verify", url], fetch=_fetch(client)) == 0
    head = f"{everything[-1]['seq']}:{everything[-1]['entry_hash']}"
    assert cli.main(["verify", url, "--expect", head], fetch=_fetch(client)) == 0
    capsys.readouterr()
    table = table_of(TransparencyEntryRow)
    with engine.begin() as conn:  # altered: the draw now claims another reason
        conn.execute(
            update(table).where(table.c.seq == 6).values(payload={"redraw_reason": "forged"})
        )
    assert cli.main(["verify", url], fetch=_fetch(client)) == 1
    assert "entry 6: the payload does not match its hash" in capsys.readouterr().out
    with engine.begin() as conn:  # removed: the abandoned snapshot disappears
        conn.execute(delete(table).where(table.c.seq == 2))
    assert cli.main(["verify", url], fetch=_fetch(client)) == 1
    assert "entry 3: expected sequence 2" in capsys.readouterr().out


def test_the_cli_reads_a_saved_log_and_says_when_it_cannot(tmp_path: Path, capsys: Any) -> None:
    saved = tmp_path / "log.json"
    saved.write_text(json.dumps(_chain(3)))
    assert cli.main(["verify", str(saved)]) == 0
    assert "CONSISTENT: 3 entries" in capsys.readouterr().out
    (tmp_path / "bad.json").write_text("{not json")
    assert cli.main(["verify", str(tmp_path / "bad.json")]) == 2
