"""Demo data for ``make run``: rosters from the shared demo enterprises, two drawn plans, results.

Goes through the service layer (one transaction per use case, events into the outbox), so the
demo shows real snapshots, draws, exclusions, results and publications. Idempotent: does
nothing when the database already has units.
"""

import csv
import io
import random
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import col

from devtools.demo import CITIES, DemoEnterprise, demo_enterprises
from services.inspection.adapters.orm import UnitRow
from services.inspection.domain.model import (
    CheckType,
    FailedItem,
    Outcome,
    RiskClass,
    Sampling,
    Scope,
    Stratum,
)
from services.inspection.domain.roster import UNIT_COLUMNS
from services.inspection.service_layer import draws, plans, results, snapshots
from services.inspection.service_layer.commands import CreatePlan, RecordResult
from services.inspection.service_layer.rosters import import_inspectors, import_labs, import_units
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.auth import AuthorityLevel, Principal, Role
from shared.clock import today_in_china, utcnow
from shared.db import make_engine
from shared.workdays import DEFAULT_CALENDAR

PROVINCE = Principal(
    role=Role.REGULATOR,
    subject="zj-amr-planner",
    name="浙江省市场监管局",
    authority_level=AuthorityLevel.PROVINCIAL,
    department="ZJAMR",
    region_code="330000",
)
HANGZHOU = Principal(
    role=Role.REGULATOR,
    subject="hz-amr-planner",
    name="杭州市市场监管局",
    authority_level=AuthorityLevel.MUNICIPAL,
    department="HZAMR",
    region_code="330100",
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚"
ALL_CLASSES = (RiskClass.A, RiskClass.B, RiskClass.C, RiskClass.D)
WEIGHTS = {RiskClass.A: 1, RiskClass.B: 2, RiskClass.C: 4, RiskClass.D: 8}


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def rosters(rng: random.Random) -> tuple[str, str, str]:
    """The demo rosters as CSV: units, inspectors, labs (drawn from ``rng`` in that order)."""
    enterprises = demo_enterprises()
    categories = sorted({e.product_category for e in enterprises})
    units = _demo_units(rng, enterprises)
    inspectors = _demo_inspectors(rng, enterprises, categories)
    labs = [
        [
            f"CNAS L{1000 + k}",
            f"{CITIES[region]}产品质量检验研究院",
            region,
            ";".join(rng.sample(categories, 4)),
            "",
        ]
        for k, region in enumerate(sorted(CITIES))
    ]
    return (
        _csv(list(UNIT_COLUMNS), units),
        _csv(
            [
                "inspector_id",
                "name",
                "department",
                "region_code",
                "qualifications",
                "expertise",
                "conflicts",
            ],
            inspectors,
        ),
        _csv(["lab_id", "name", "region_code", "accredited_categories", "conflicts"], labs),
    )


def _demo_units(rng: random.Random, enterprises: list[DemoEnterprise]) -> list[list]:
    units = []
    for e in enterprises:
        for product in e.products[: rng.randint(1, len(e.products))]:
            for n in range(rng.randint(1, 2)):
                units.append(
                    [
                        e.uscc,
                        e.name,
                        product,
                        f"{product[:2].upper()}-{rng.randrange(100, 999)}{'AB'[n]}",
                        e.industry,
                        e.product_category,
                        e.region_code,
                        rng.choice("AAAABBBCCD"),
                    ]
                )
    return units


def _demo_inspectors(
    rng: random.Random, enterprises: list[DemoEnterprise], categories: list[str]
) -> list[list]:
    inspectors = []
    for k, region in enumerate(sorted(CITIES) * 10):
        conflicts = rng.choice(enterprises).uscc if rng.random() < 0.1 else ""
        inspectors.append(
            [
                f"ZJ-INS-{k:03d}",
                rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "ZJAMR",
                region,
                "CMA;质量监督抽查员",
                ";".join(rng.sample(categories, 4)),
                conflicts,
            ]
        )
    return inspectors


def _plan(
    name: str,
    size: int,
    days_ago: int,
    length: int,
    cross_region: bool,
    categories: tuple[str, ...] = (),
) -> CreatePlan:
    today = today_in_china()
    return CreatePlan(
        name=name,
        check_type=CheckType.SUPERVISORY_SPOT_CHECK,
        scope=Scope(product_categories=categories),
        sampling=Sampling(weights=WEIGHTS, strata=(Stratum(ALL_CLASSES, size=size),)),
        team_size=2,
        cross_region_teams=cross_region,
        inspector_cooldown_days=365,
        period_start=today - timedelta(days=days_ago),
        period_end=today - timedelta(days=days_ago - length),
    )


def seed(url: str) -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(UnitRow)).scalar_one():
            return
    rng = random.Random(20261122)
    uow = lambda: InspectionUnitOfWork(engine)  # noqa: E731 - one fresh unit of work per use case
    units, inspectors, labs = rosters(rng)
    import_units(uow(), units, PROVINCE)
    import_inspectors(uow(), inspectors, PROVINCE)
    import_labs(uow(), labs, PROVINCE)
    # Hangzhou's autumn check: ended, results recorded and published (its passes now keep
    # those products out of everyone's draws for six months)
    hz = plans.create_plan(
        uow(),
        _plan("杭州市2026年秋季产品质量监督抽查", 12, 80, 40, False),
        HANGZHOU,
        DEFAULT_CALENDAR,
        20,
    )
    hz_draw = draws.make_draw(uow(), snapshots.commit_snapshot(uow(), hz, HANGZHOU), HANGZHOU)
    _date_draw(engine, hz_draw, days_ago=62)  # the demo's history: drawn before its sampling
    _record(engine, hz_draw, HANGZHOU, rng, sampled_days_ago=60, recorded_days_ago=55)
    results.finalise_due(uow(), today_in_china())  # their objection windows have passed
    results.publish_results(uow(), hz, HANGZHOU)
    # the province's winter check: drawn, some results in, the rest running
    zj = plans.create_plan(
        uow(),
        _plan("浙江省2026年产品质量省级监督抽查", 40, 20, 50, True),
        PROVINCE,
        DEFAULT_CALENDAR,
        20,
    )
    zj_draw = draws.make_draw(uow(), snapshots.commit_snapshot(uow(), zj, PROVINCE), PROVINCE)
    _date_draw(engine, zj_draw, days_ago=7)
    _record(engine, zj_draw, PROVINCE, rng, sampled_days_ago=5, recorded_days_ago=2, share=0.5)


def _date_draw(engine: Engine, draw_id: str, *, days_ago: int) -> None:
    """Seeded history: a draw is dated before the sampling recorded for it (sampling is never
    dated before its draw)."""
    from services.inspection.adapters.orm import DrawRow

    with engine.begin() as conn:
        conn.execute(
            update(DrawRow)
            .where(col(DrawRow.id) == draw_id)
            .values(drawn_at=utcnow() - timedelta(days=days_ago))
        )


def _record(
    engine: Engine,
    draw_id: str,
    actor: Principal,
    rng: random.Random,
    *,
    sampled_days_ago: int,
    recorded_days_ago: int,
    share: float = 1.0,
) -> None:
    from services.inspection.adapters.orm import TaskRow

    with engine.connect() as conn:
        task_ids = list(
            conn.execute(
                select(col(TaskRow.id))
                .where(col(TaskRow.draw_id) == draw_id)
                .order_by(col(TaskRow.rank))
            ).scalars()
        )
    sampled = today_in_china() - timedelta(days=sampled_days_ago)
    for task_id in task_ids[: int(len(task_ids) * share)]:
        outcome = rng.choice(
            [Outcome.PASS] * 6 + [Outcome.FAIL] * 2 + [Outcome.REFUSED, Outcome.NOT_FOUND]
        )
        items = (
            [FailedItem("标签标识", "GB 5296", "缺少执行标准")] if outcome is Outcome.FAIL else []
        )
        results.record_result(
            InspectionUnitOfWork(engine),
            task_id,
            RecordResult(outcome, sampled, items),
            actor,
            15,
            today=today_in_china() - timedelta(days=recorded_days_ago),
        )
