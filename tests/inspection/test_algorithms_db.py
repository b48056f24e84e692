"""Draw algorithm versions on SQLite and PostgreSQL: new snapshots commit to es-shake256-v2,
a snapshot committed under es-hmac-sha256-v1 is still drawn and verified with v1, and the
entries' ordinals (the positions v2 numbers units by) follow the canonical order."""

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from services.inspection.adapters.orm import SnapshotEntryRow
from services.inspection.domain import draw_v1, draw_v2
from services.inspection.domain.verification import verify
from services.inspection.service_layer import snapshots
from tests.inspection.conftest import create_plan, draw, freeze, tasks_of
from tests.support import table_of

E = table_of(SnapshotEntryRow).c


def published(client: TestClient, made: dict, snapshot_id: str) -> tuple[dict, bytes]:
    document = client.get(f"/public/snapshots/{snapshot_id}/document").content
    bundle = client.get(f"/public/draws/{made['id']}/verification").json()
    return bundle, document


def test_new_snapshots_and_draws_use_v2(
    client: TestClient, roster: list[str], as_zj: dict[str, str]
) -> None:
    plan_id = create_plan(client, as_zj)
    snap = freeze(client, as_zj, plan_id)
    assert snap["algorithm"] == draw_v2.ALGORITHM
    document = client.get(f"/public/snapshots/{snap['id']}/document").json()
    assert document["algorithm"] == draw_v2.ALGORITHM
    made = draw(client, as_zj, snap["id"])
    assert made["algorithm"] == draw_v2.ALGORITHM
    bundle, raw = published(client, made, snap["id"])
    assert bundle["algorithm"] == draw_v2.ALGORITHM
    assert verify(bundle, raw).ok
    # the same selection under the other algorithm's name does not verify
    assert not verify({**bundle, "algorithm": draw_v1.ALGORITHM}, raw).ok


def test_a_snapshot_committed_under_v1_is_drawn_and_verified_with_v1(
    client: TestClient, roster: list[str], as_zj: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_id = create_plan(client, as_zj)
    with monkeypatch.context() as m:  # the service as it was before v2
        m.setattr(snapshots, "ALGORITHM", draw_v1.ALGORITHM)
        old = freeze(client, as_zj, plan_id)
    assert old["algorithm"] == draw_v1.ALGORITHM
    made = draw(client, as_zj, old["id"])  # drawn after the upgrade
    assert made["algorithm"] == draw_v1.ALGORITHM
    bundle, raw = published(client, made, old["id"])
    report = verify(bundle, raw)
    assert report.ok, report.problems
    assert report.selected == 5
    tasks = tasks_of(client, as_zj, plan_id)
    assert sorted(t["unit_id"] for t in tasks) == sorted(s["unit_id"] for s in bundle["selection"])


def test_late_exclusions_skip_positions_on_both_algorithms(
    client: TestClient,
    roster: list[str],
    as_zj: dict[str, str],
    as_hz: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another authority claims units between freeze and draw; both algorithms skip exactly
    those, and the record verifies offline."""
    everything = {"strata": [{"risk_classes": ["A", "B", "C", "D"], "ratio": "1"}]}
    for algorithm in (draw_v1.ALGORITHM, draw_v2.ALGORITHM):
        # another provincial plan (same level: its running check blocks), scoped to Hangzhou
        hz_plan = create_plan(client, as_zj, scope={"regions": ["330100"]}, sampling=everything)
        hz_snap = freeze(client, as_zj, hz_plan)
        plan_id = create_plan(client, as_zj, sampling=everything)
        with monkeypatch.context() as m:
            m.setattr(snapshots, "ALGORITHM", algorithm)
            snap = freeze(client, as_zj, plan_id)
        hz_made = draw(client, as_zj, hz_snap["id"])
        made = draw(client, as_zj, snap["id"])
        late = {e["unit_id"] for e in made["late_exclusions"]}
        assert len(late) == hz_made["selected_count"] == 10
        bundle, raw = published(client, made, snap["id"])
        assert not late & {s["unit_id"] for s in bundle["selection"]}
        assert len(bundle["selection"]) == 30 - 10
        assert verify(bundle, raw).ok, algorithm
        for plan, headers in ((plan_id, as_zj), (hz_plan, as_zj)):  # free the units again
            for t in tasks_of(client, headers, plan):
                r = client.post(
                    f"/tasks/{t['id']}/cancel", headers=headers, json={"reason": "next round"}
                )
                assert r.status_code in (200, 204), r.text


def test_ordinals_are_positions_in_unit_id_order(
    client: TestClient,
    roster: list[str],
    as_zj: dict[str, str],
    as_hz: dict[str, str],
    engine: Engine,
) -> None:
    hz_plan = create_plan(client, as_zj, scope={"regions": ["330100"]})
    draw(client, as_zj, freeze(client, as_zj, hz_plan)["id"])  # claims 5 of the units
    snap = freeze(client, as_zj, create_plan(client, as_zj))
    with engine.connect() as conn:
        rows = conn.execute(
            select(E.unit_id, E.ordinal).where(E.snapshot_id == snap["id"]).order_by(E.ordinal)
        ).all()
    ids = [u for u, _ in rows]
    assert [o for _, o in rows] == list(range(len(rows))) and len(rows) == 30 - 5
    document = json.loads(client.get(f"/public/snapshots/{snap['id']}/document").content)
    assert document["units"]["unit_id"] == ids == sorted(ids)
