"""The set-based SQL freeze agrees with the pure policy; facts from credit and registry (the use
cases issue 5's consumers will call) change weights and exemptions."""

import json
import random
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from services.inspection.adapters.orm import (
    CertifiedProductRow,
    CheckRecordRow,
    ClaimRow,
    SnapshotEntryRow,
    SnapshotExclusionRow,
    UnitRow,
)
from services.inspection.domain.hierarchy import LAW
from services.inspection.domain.model import CheckType, Outcome
from services.inspection.domain.policy import POLICY_V1, CheckRecord, Claim, exclusions
from services.inspection.service_layer import enterprise_facts
from services.inspection.service_layer.services import _load_plan
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.auth import AuthorityLevel
from shared.clock import today_in_china, utcnow
from tests.inspection.conftest import (
    backdate_draw,
    create_plan,
    draw,
    enterprise_uscc,
    freeze,
    sampled,
    tasks_of,
)
from tests.support import table_of


def _entries(engine: Engine, snapshot_id: str) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(table_of(SnapshotEntryRow)).where(
                col(SnapshotEntryRow.snapshot_id) == snapshot_id
            )
        ).mappings()
        return {r["unit_id"]: dict(r) for r in rows}


def _exclusions(engine: Engine, snapshot_id: str) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(table_of(SnapshotExclusionRow)).where(
                col(SnapshotExclusionRow.snapshot_id) == snapshot_id
            )
        ).mappings()
        return {r["unit_id"]: dict(r) for r in rows}


def test_sql_freeze_matches_the_pure_policy(
    client: TestClient, roster: list[str], as_zj: dict[str, str], engine: Engine
) -> None:
    today = today_in_china()
    rng = random.Random(42)
    uscc_of = {}
    with engine.connect() as conn:
        for uid, code in conn.execute(select(col(UnitRow.id), col(UnitRow.enterprise_uscc))):
            uscc_of[uid] = code
    units = sorted(uscc_of)
    claims, history = [], []
    levels = list(AuthorityLevel)
    for n, unit in enumerate(units):
        if rng.random() < 0.15:
            claims.append(Claim(unit, f"task-c{n}", f"plan-{n % 3}", rng.choice(levels), "330000"))
        for k in range(rng.randrange(3)):
            history.append(
                CheckRecord(
                    unit,
                    rng.choice(list(Outcome)),
                    rng.choice(list(CheckType)),
                    today - timedelta(days=rng.randrange(250)),
                    f"task-h{n}-{k}" if rng.random() < 0.8 else None,
                    f"plan-h{k}",
                    rng.choice(levels),
                    "330000",
                )
            )
    dishonest = {uscc_of[u] for u in units if rng.random() < 0.1}
    with engine.begin() as conn:
        if claims:
            conn.execute(
                insert(table_of(ClaimRow)),
                [
                    {
                        "unit_id": c.unit_id,
                        "task_id": c.task_id,
                        "plan_id": c.plan_id,
                        "authority_level": c.authority_level.value,
                        "region_code": c.region_code,
                        "claimed_at": utcnow(),
                    }
                    for c in claims
                ],
            )
        conn.execute(
            insert(table_of(CheckRecordRow)),
            [
                {
                    "unit_id": h.unit_id,
                    "enterprise_uscc": uscc_of[h.unit_id],
                    "task_id": h.task_id,
                    "plan_id": h.plan_id,
                    "authority_level": h.authority_level.value,
                    "region_code": h.region_code,
                    "check_type": h.check_type.value,
                    "outcome": h.outcome.value,
                    "sampling_date": h.sampling_date,
                    "recorded_at": utcnow(),
                }
                for h in history
            ],
        )
    for i, code in enumerate(sorted(dishonest)):
        enterprise_facts.apply_dishonesty_measure(
            InspectionUnitOfWork(engine), code, f"L-{i}", "inspection_weight", f"evt-{i}", utcnow()
        )
    plan_id = create_plan(
        client, as_zj, sampling={"strata": [{"risk_classes": ["A", "B", "C", "D"], "ratio": "1"}]}
    )
    snap = freeze(client, as_zj, plan_id)
    expected = exclusions(
        POLICY_V1,
        today=today,
        plan_id=plan_id,
        plan_level=AuthorityLevel.PROVINCIAL,
        units=[(u, uscc_of[u]) for u in units],
        dishonest=dishonest,
        # a lower level's running check does not keep the unit from a provincial draw
        claims=[
            c for c in claims if LAW.claim_blocks(c.authority_level, AuthorityLevel.PROVINCIAL)
        ],
        history=history,
    )
    found = _exclusions(engine, snap["id"])
    assert expected, "the random data should exclude something"
    assert set(found) == set(expected)
    for unit_id, exc in expected.items():
        row = found[unit_id]
        assert (row["rule"], row["cause_task_id"], row["cause_plan_id"], row["cause_date"]) == (
            exc.rule.value,
            exc.cause_task_id,
            exc.cause_plan_id,
            exc.cause_date,
        ), unit_id
    assert set(_entries(engine, snap["id"])) == set(units) - set(expected)


def test_the_freeze_hands_back_its_entries_as_reading_them_back_would(
    client: TestClient, roster: list[str], as_zj: dict[str, str], engine: Engine
) -> None:
    """The commit hashes the entries its INSERT returned instead of reading them again: they
    must be exactly what a reader (the published document, the verifiers) gets, in the same
    order, also once statistics about earlier snapshots exist (the freeze ANALYZEs)."""
    plan_id = create_plan(
        client, as_zj, sampling={"strata": [{"risk_classes": ["A", "B", "C", "D"], "ratio": "1"}]}
    )
    earlier = freeze(client, as_zj, plan_id)["id"]
    excluded = sorted(roster)[:5]  # a recent pass each: the anti-join must skip them
    with engine.begin() as conn:
        conn.execute(
            insert(table_of(CheckRecordRow)),
            [
                {
                    "unit_id": unit_id,
                    "enterprise_uscc": "913301000000000009",
                    "task_id": None,
                    "plan_id": None,
                    "authority_level": "national",
                    "region_code": "100000",
                    "check_type": "supervisory_spot_check",
                    "outcome": "pass",
                    "sampling_date": today_in_china() - timedelta(days=10),
                    "recorded_at": utcnow(),
                }
                for unit_id in excluded
            ],
        )
    today = today_in_china()
    with InspectionUnitOfWork(engine) as uow:
        plan = _load_plan(uow, plan_id)
        units = uow.snapshots.freeze("snap-returned", plan, uow.policies.current(today), today)
        assert units == uow.snapshots.read_units("snap-returned")
        assert uow.snapshots.excluded_count("snap-returned") == len(excluded)
    assert units["unit_id"] == sorted(set(roster) - set(excluded))  # code-point order
    assert sorted(units["unit_id"] + excluded) == sorted(_entries(engine, earlier))
    assert units["dishonest"] == [0] * len(units["unit_id"])
    assert all(type(w) is int and w > 0 for w in units["weight"])


def test_credit_risk_class_and_dishonesty_change_weights_and_exemption(
    client: TestClient, roster: list[str], as_zj: dict[str, str], engine: Engine
) -> None:
    code = enterprise_uscc(0, "330100")  # owns two units
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    uow = InspectionUnitOfWork(engine)
    assert enterprise_facts.set_enterprise_risk_class(
        uow, code, "D", "evt-risk-2", t0 + timedelta(hours=2)
    )
    assert not enterprise_facts.set_enterprise_risk_class(
        uow, code, "A", "evt-risk-1", t0
    )  # older: ignored
    plan_id = create_plan(
        client, as_zj, sampling={"strata": [{"risk_classes": ["A", "B", "C", "D"], "ratio": "1"}]}
    )
    entries = _entries(engine, freeze(client, as_zj, plan_id)["id"])
    mine = [e for e in entries.values() if e["enterprise_uscc"] == code]
    assert len(mine) == 2 and {(e["risk_class"], e["weight"], e["dishonest"]) for e in mine} == {
        ("D", 8, 0)
    }

    # a pass sampled recently keeps one of its units out ...
    unit_id = mine[0]["unit_id"]
    with engine.begin() as conn:
        conn.execute(
            insert(table_of(CheckRecordRow)),
            [
                {
                    "unit_id": unit_id,
                    "enterprise_uscc": code,
                    "task_id": None,
                    "plan_id": None,
                    "authority_level": "national",
                    "region_code": "100000",
                    "check_type": "supervisory_spot_check",
                    "outcome": "pass",
                    "sampling_date": today_in_china() - timedelta(days=30),
                    "recorded_at": utcnow(),
                }
            ],
        )
    assert unit_id in _exclusions(engine, freeze(client, as_zj, plan_id)["id"])
    # ... until the enterprise is listed as dishonest: exemption lifted, weight doubled
    assert enterprise_facts.apply_dishonesty_measure(
        uow, code, "LIST-1", "inspection_weight", "evt-m1", t0
    )
    assert not enterprise_facts.apply_dishonesty_measure(
        uow, code, "LIST-1", "inspection_weight", "evt-m1", t0
    )
    snap = freeze(client, as_zj, plan_id)
    entries = _entries(engine, snap["id"])
    assert (
        unit_id in entries
        and entries[unit_id]["weight"] == 16
        and entries[unit_id]["dishonest"] == 1
    )
    document = json.loads(client.get(f"/public/snapshots/{snap['id']}/document").content)
    assert document["plan"]["sampling"]["dishonest_multiplier"] == 2
    assert enterprise_facts.lift_dishonesty_measure(uow, "LIST-1", "evt-m2", t0 + timedelta(days=1))
    assert not enterprise_facts.lift_dishonesty_measure(
        uow, "LIST-1", "evt-m2", t0 + timedelta(days=1)
    )
    assert unit_id in _exclusions(engine, freeze(client, as_zj, plan_id)["id"])


def test_use_cases_join_a_consumers_transaction(engine: Engine) -> None:
    """Issue 5's consumers wrap these use cases in their own transaction (processed_events)."""
    from shared.db import WRITE, is_sqlite

    bound = engine.execution_options(**WRITE) if is_sqlite(engine) else engine
    with Session(bound) as session, session.begin():
        uow = InspectionUnitOfWork(engine).joining(session)
        enterprise_facts.mark_certified_product(
            uow, "CCC-1", "CCC", "91330100MA00000072", "Kettle", "K-1", "valid", "evt-c1", utcnow()
        )
        session.rollback()  # the consumer failed: nothing of the effect may remain
    with engine.connect() as conn:
        assert conn.execute(select(col(CertifiedProductRow.certificate_number))).all() == []
    uow = InspectionUnitOfWork(engine)
    t = utcnow()
    assert enterprise_facts.mark_certified_product(
        uow, "CCC-1", "CCC", "91330100MA00000072", "Kettle", "K-1", "valid", "e1", t
    )
    assert enterprise_facts.mark_certified_product(
        uow,
        "CCC-1",
        "CCC",
        "91330100MA00000072",
        "Kettle",
        "K-1",
        "revoked",
        "e2",
        t + timedelta(seconds=1),
    )
    assert not enterprise_facts.mark_certified_product(
        uow,
        "CCC-1",
        "CCC",
        "91330100MA00000072",
        "Kettle",
        "K-1",
        "valid",
        "e0",
        t - timedelta(seconds=1),
    )
    with engine.connect() as conn:
        assert conn.execute(select(col(CertifiedProductRow.status))).scalar_one() == "revoked"


def test_results_feed_the_six_month_history(
    client: TestClient, roster: list[str], as_zj: dict[str, str], engine: Engine
) -> None:
    plan_id = create_plan(client, as_zj)
    made = draw(client, as_zj, freeze(client, as_zj, plan_id)["id"])
    backdate_draw(client, made["id"], 5)
    task = tasks_of(client, as_zj, plan_id)[0]
    client.post(
        f"/tasks/{task['id']}/result",
        headers=as_zj,
        json={"outcome": "pass", "sampling_date": sampled(3)},
    )
    with engine.connect() as conn:
        rec = conn.execute(select(table_of(CheckRecordRow))).mappings().one()
        claims = conn.execute(select(col(ClaimRow.unit_id))).scalars().all()
    assert (
        rec["task_id"] == task["id"]
        and rec["outcome"] == "pass"
        and rec["authority_level"] == "provincial"
    )
    assert task["unit_id"] not in claims and len(claims) == 4
