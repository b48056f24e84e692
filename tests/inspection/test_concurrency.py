"""Two authorities drawing at the same moment never both take a unit: the database decides.

On PostgreSQL the draws really overlap: draw A has inserted its claims and waits just before
COMMIT while draw B, which could not see A's uncommitted claims, tries to claim some of the same
units and blocks on the primary key. When A commits, B's statement fails and B gets a 409; drawn
again, B lists those units as late exclusions and takes others.
"""

import threading
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from services.inspection.adapters.orm import ClaimRow, TaskRow
from services.inspection.config import InspectionSettings
from services.inspection.service_layer import draws
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.clock import utcnow
from tests.inspection.conftest import (
    HZ,
    ZJ,
    create_plan,
    freeze,
    inspectors_csv,
    post_csv,
    principal,
    tasks_of,
)
from tests.support import table_of


def wait_for_lock_waiter(engine: Engine, timeout: float = 30) -> None:
    """Until some backend of this database waits on a lock (liveness wait, not a timing test)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        if waiting:
            return
        time.sleep(0.02)
    raise AssertionError("draw B never waited for draw A's claims")


def test_simultaneous_draws_cannot_both_take_a_unit(
    client: TestClient,
    roster: list[str],
    as_zj: dict[str, str],
    as_hz: dict[str, str],
    engine: Engine,
    backend: str,
) -> None:
    """On SQLite the write lock taken at BEGIN serialises the draws instead: B starts only after
    A committed, sees A's claims and excludes those units at once."""
    all_units = {"strata": [{"risk_classes": ["A", "B", "C", "D"], "ratio": "1"}]}
    zj_plan = create_plan(client, as_zj, scope={"product_categories": ["toys"]}, sampling=all_units)
    hz_plan = create_plan(client, as_hz, sampling=all_units, cross_region_teams=False)
    zj_snap, hz_snap = freeze(client, as_zj, zj_plan)["id"], freeze(client, as_hz, hz_plan)["id"]

    a_ready, go = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def hold_before_commit() -> None:
        a_ready.set()
        assert go.wait(30)

    def run(name: str, uow: InspectionUnitOfWork, snap: str, who: dict) -> None:
        try:
            outcome[name] = draws.make_draw(uow, snap, principal(who))
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            outcome[name] = exc

    a = threading.Thread(
        target=run, args=("A", InspectionUnitOfWork(engine, hold_before_commit), zj_snap, ZJ)
    )
    a.start()
    assert a_ready.wait(30)
    b = threading.Thread(target=run, args=("B", InspectionUnitOfWork(engine), hz_snap, HZ))
    b.start()
    if backend == "postgresql":
        wait_for_lock_waiter(engine)
    go.set()
    a.join(30)
    b.join(30)
    assert isinstance(outcome["A"], str), outcome["A"]
    if backend == "postgresql":
        assert isinstance(outcome["B"], draws.UnitClaimedConcurrently), outcome["B"]
        assert outcome["B"].code == "unit_claimed_concurrently"
        assert tasks_of(client, as_hz, hz_plan) == []  # nothing of B's attempt was recorded
        # B draws again: the units A holds are late exclusions, explained; B takes the rest
        redraw = client.post(f"/snapshots/{hz_snap}/draw", headers=as_hz, json={})
        assert redraw.status_code == 201, redraw.text
        hz_draw = redraw.json()["id"]
    else:
        assert isinstance(outcome["B"], str), outcome["B"]
        hz_draw = outcome["B"]
    late = client.get(f"/public/draws/{hz_draw}").json()["late_exclusions"]
    assert len(late) == 5 and {e["rule"] for e in late} == {"higher_level_running_check"}
    zj_units = {t["unit_id"] for t in tasks_of(client, as_zj, zj_plan)}
    hz_units = {t["unit_id"] for t in tasks_of(client, as_hz, hz_plan)}
    assert len(hz_units) == 5 and not zj_units & hz_units
    assert {e["unit_id"] for e in late} == zj_units & {u for u in roster_hz(client, as_hz, hz_snap)}
    with engine.connect() as conn:
        claims = conn.execute(select(func.count()).select_from(ClaimRow)).scalar_one()
        open_tasks = conn.execute(
            select(func.count()).select_from(TaskRow).where(col(TaskRow.status) == "assigned")
        ).scalar_one()
    assert claims == open_tasks == len(zj_units) + len(hz_units)


def roster_hz(client: TestClient, headers: dict[str, str], snapshot_id: str) -> list[str]:
    import json

    doc = json.loads(client.get(f"/public/snapshots/{snapshot_id}/document").content)
    return list(doc["units"]["unit_id"])


def test_many_simultaneous_draws_keep_one_running_check_per_unit(
    client: TestClient,
    roster: list[str],
    as_zj: dict[str, str],
    engine: Engine,
    backend: str,
    settings: InspectionSettings,
) -> None:
    """Free-running race of four authorities over the same units: whoever loses retries."""
    from tests.inspection.conftest import bearer

    authorities = [
        {
            "role": "regulator",
            "sub": f"city-{c}",
            "authority_level": "municipal",
            "region_code": c,
            "department": f"AMR-{c}",
        }
        for c in ("330100", "330200", "330300")
    ] + [ZJ]
    # Reported flaky (~3 runs in 10 under load: TooFewInspectors). Which draw wins which unit
    # is a free race, and recusals depend on the tasks other draws committed first; 10
    # inspectors a city (instead of 4) gives every pool a margin no interleaving of these
    # four draws can use up (at most 4 draws x 2 units x 2 members = 16 recusals per
    # enterprise, cross-region pools now 20). What the test asserts is unchanged.
    # NOTE: the failure was not reproduced (1 unexplained failure, then 0 in 26 runs), so
    # this margin is not a confirmed root-cause fix.
    r = post_csv(client, "/rosters/inspectors/import", inspectors_csv(per_city=10), as_zj)
    assert r.status_code == 200, r.text
    all_units = {"strata": [{"risk_classes": ["A", "B", "C", "D"], "ratio": "1"}]}
    snaps = []
    for who in authorities:
        headers = bearer(settings, who)
        plan = create_plan(client, headers, sampling=all_units, cross_region_teams=False)
        snaps.append((freeze(client, headers, plan)["id"], who))
    barrier = threading.Barrier(len(snaps))
    errors: list[BaseException] = []

    def run(snap: str, who: dict) -> None:
        barrier.wait()
        for _ in range(5):
            try:
                draws.make_draw(InspectionUnitOfWork(engine), snap, principal(who))
                return
            except draws.UnitClaimedConcurrently:
                continue
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
                return

    threads = [threading.Thread(target=run, args=s) for s in snaps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    with engine.connect() as conn:
        rows = (
            conn.execute(select(col(TaskRow.unit_id)).where(col(TaskRow.status) == "assigned"))
            .scalars()
            .all()
        )
    assert len(rows) == len(set(rows)) == 30  # every unit drawn exactly once, by someone


def test_the_claim_constraint_lives_in_the_database(engine: Engine) -> None:
    row = {
        "unit_id": "U1",
        "plan_id": "p",
        "authority_level": "county",
        "region_code": "330102",
        "claimed_at": utcnow(),
    }
    with engine.begin() as conn:
        conn.execute(table_of(ClaimRow).insert(), {**row, "task_id": "t1"})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(table_of(ClaimRow).insert(), {**row, "task_id": "t2"})
