"""The freeze: set-based SQL that records a snapshot's exclusions (with their causes) and copies
the eligible units as its entries.

A roster of a million units is frozen in the database (INSERT ... SELECT), never row by row in
Python. Three statements, in this order: units in another plan's running check, units whose
latest counting check in the six-month window passed, then every other unit in scope.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import case, exists, func, insert, literal, or_, select, text
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from services.inspection.adapters.snapshot_reads import returned_columns
from services.inspection.adapters.tables import (
    CERTIFIED_PRODUCT,
    CHECK_RECORD,
    CLAIM,
    DISHONESTY_MEASURE,
    ENTERPRISE_RISK,
    SNAPSHOT_ENTRY,
    SNAPSHOT_EXCLUSION,
    UNIT,
)
from services.inspection.domain.ccc_catalogue import CCC_CATEGORIES
from services.inspection.domain.draw import UNIT_COLUMNS
from services.inspection.domain.model import Plan, region_prefix
from services.inspection.domain.policy import EligibilityPolicy, Rule
from shared.auth.principal import AuthorityLevel

# hashing or sorting a million units in memory, not in batches spilled to disk (the default
# work_mem is 4 MB); for the freeze's statements only
BULK_WORK_MEM = "256MB"

EXCLUSION_COLUMNS = [
    "snapshot_id",
    "unit_id",
    "rule",
    "cause_task_id",
    "cause_plan_id",
    "cause_authority_level",
    "cause_region_code",
    "cause_date",
]


def freeze(
    session: Session,
    snapshot_id: str,
    plan: Plan,
    policy: EligibilityPolicy,
    today: date,
    blocking_levels: Sequence[str] | None = None,
) -> dict[str, list]:
    """Record exclusions (with their causes), then copy the eligible units as entries;
    returns the entries' unit columns in reading order.
    ``blocking_levels``: the levels whose running claims exclude (default: all)."""
    scope = scope_conditions(plan)
    exclude_running_checks(session, snapshot_id, plan, scope, blocking_levels)
    exclude_six_month_passes(session, snapshot_id, plan, policy, today, scope)
    return insert_entries(session, snapshot_id, plan, scope)


def scope_conditions(plan: Plan) -> list[ColumnElement[bool]]:
    """The units of the plan's scope: its authority's region, the scope's filters, and the
    risk classes its sampling draws from."""
    conds: list[ColumnElement[bool]] = []
    if plan.authority_level is not AuthorityLevel.NATIONAL:
        conds.append(UNIT.c.region_code.startswith(region_prefix(plan.region_code)))
    if plan.scope.regions:
        conds.append(
            or_(*[UNIT.c.region_code.startswith(region_prefix(r)) for r in plan.scope.regions])
        )
    if plan.scope.industries:
        conds.append(UNIT.c.industry.in_(plan.scope.industries))
    if plan.scope.product_categories:
        conds.append(UNIT.c.product_category.in_(plan.scope.product_categories))
    if plan.scope.certified_schemes:
        conds.append(
            exists().where(
                CERTIFIED_PRODUCT.c.uscc == UNIT.c.enterprise_uscc,
                CERTIFIED_PRODUCT.c.model == UNIT.c.model,
                CERTIFIED_PRODUCT.c.status == "valid",
                CERTIFIED_PRODUCT.c.scheme.in_(plan.scope.certified_schemes),
            )
        )
    if plan.scope.uncertified_ccc:
        conds.append(UNIT.c.product_category.in_(list(CCC_CATEGORIES)))
        conds.append(
            ~exists().where(
                CERTIFIED_PRODUCT.c.uscc == UNIT.c.enterprise_uscc,
                CERTIFIED_PRODUCT.c.model == UNIT.c.model,
                CERTIFIED_PRODUCT.c.status == "valid",
                CERTIFIED_PRODUCT.c.scheme == "CCC",
            )
        )
    conds.append(_effective_risk_class().in_([c.value for c in plan.sampling.classes]))
    return conds


def _units_with_risk() -> Any:
    return UNIT.outerjoin(ENTERPRISE_RISK, ENTERPRISE_RISK.c.uscc == UNIT.c.enterprise_uscc)


def _effective_risk_class() -> Any:
    """The credit service's grade where one was mirrored, else the roster's own class."""
    return func.coalesce(ENTERPRISE_RISK.c.risk_class, UNIT.c.risk_class)


def _dishonest(uscc_column: Any) -> Any:
    return exists().where(
        DISHONESTY_MEASURE.c.uscc == uscc_column, DISHONESTY_MEASURE.c.active.is_(True)
    )


def _rank_of(level_column: Any) -> Any:
    return case({lvl.value: lvl.rank for lvl in AuthorityLevel}, value=level_column, else_=99)


def exclude_running_checks(
    session: Session,
    snapshot_id: str,
    plan: Plan,
    scope: list[ColumnElement[bool]],
    blocking_levels: Sequence[str] | None,
) -> None:
    """1. Units in another plan's running check (one claim row per unit)."""
    running = (
        select(
            literal(snapshot_id),
            UNIT.c.id,
            case(
                (
                    _rank_of(CLAIM.c.authority_level) < plan.authority_level.rank,
                    Rule.HIGHER_LEVEL_RUNNING_CHECK.value,
                ),
                else_=Rule.RUNNING_CHECK.value,
            ),
            CLAIM.c.task_id,
            CLAIM.c.plan_id,
            CLAIM.c.authority_level,
            CLAIM.c.region_code,
            literal(None),
        )
        .select_from(_units_with_risk().join(CLAIM, CLAIM.c.unit_id == UNIT.c.id))
        .where(*scope, CLAIM.c.plan_id != plan.id)
    )
    if blocking_levels is not None:
        running = running.where(CLAIM.c.authority_level.in_(blocking_levels))
    session.execute(insert(SNAPSHOT_EXCLUSION).from_select(EXCLUSION_COLUMNS, running))


def _latest_counting_checks(policy: EligibilityPolicy, today: date) -> Any:
    """Each unit's counting checks in the protected window, the latest ranked 1."""
    return (
        select(
            CHECK_RECORD.c.unit_id,
            CHECK_RECORD.c.task_id,
            CHECK_RECORD.c.plan_id,
            CHECK_RECORD.c.authority_level,
            CHECK_RECORD.c.region_code,
            CHECK_RECORD.c.sampling_date,
            func.row_number()
            .over(
                partition_by=CHECK_RECORD.c.unit_id,
                order_by=(
                    CHECK_RECORD.c.sampling_date.desc(),
                    func.coalesce(CHECK_RECORD.c.task_id, "").desc(),
                    func.coalesce(CHECK_RECORD.c.plan_id, "").desc(),
                ),
            )
            .label("latest"),
        )
        .where(
            CHECK_RECORD.c.outcome.in_([o.value for o in policy.counting_outcomes]),
            CHECK_RECORD.c.check_type.in_([c.value for c in policy.counting_check_types]),
            CHECK_RECORD.c.sampling_date >= policy.protected_from(today),
            CHECK_RECORD.c.sampling_date <= today,
        )
        .subquery()
    )


def exclude_six_month_passes(
    session: Session,
    snapshot_id: str,
    plan: Plan,
    policy: EligibilityPolicy,
    today: date,
    scope: list[ColumnElement[bool]],
) -> None:
    """2. Units whose latest counting check in the window passed (the six-month rule)."""
    ranked = _latest_counting_checks(policy, today)
    # units step 1 excluded (not the statement's own target table: PostgreSQL would scan
    # the growing table once per row)
    claimed = exists().where(CLAIM.c.unit_id == UNIT.c.id, CLAIM.c.plan_id != plan.id)
    conds = [*scope, ranked.c.latest == 1, ~claimed]
    if policy.dishonest_exemption_lifted:
        conds.append(~_dishonest(UNIT.c.enterprise_uscc))
    passed = (
        select(
            literal(snapshot_id),
            UNIT.c.id,
            literal(Rule.SIX_MONTH_PASS.value),
            ranked.c.task_id,
            ranked.c.plan_id,
            ranked.c.authority_level,
            ranked.c.region_code,
            ranked.c.sampling_date,
        )
        .select_from(_units_with_risk().join(ranked, ranked.c.unit_id == UNIT.c.id))
        .where(*conds)
    )
    with _planner(session, work_mem=BULK_WORK_MEM):
        session.execute(insert(SNAPSHOT_EXCLUSION).from_select(EXCLUSION_COLUMNS, passed))


@contextmanager
def _planner(session: Session, **settings: str) -> Iterator[None]:
    """PostgreSQL planner settings for the statements inside only (SET LOCAL, then RESET);
    nothing on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    for name, value in settings.items():
        session.execute(text(f"SET LOCAL {name} = '{value}'"))
    yield
    for name in settings:
        session.execute(text(f"RESET {name}"))


def insert_entries(
    session: Session, snapshot_id: str, plan: Plan, scope: list[ColumnElement[bool]]
) -> dict[str, list]:
    """3. The eligible units, with their weights, become the snapshot's entries; returns
    their unit columns in reading order (what ``read_snapshot_units`` would read back)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    stmt = (
        insert(SNAPSHOT_ENTRY)
        .from_select(
            ["snapshot_id", *UNIT_COLUMNS, "ordinal"], _entries(snapshot_id, plan, scope, postgres)
        )
        .returning(SNAPSHOT_ENTRY.c.ordinal, *(SNAPSHOT_ENTRY.c[c] for c in UNIT_COLUMNS))
    )
    # the planner knows nothing yet of the exclusions just written (or believes a stale count
    # for this snapshot): it would probe them once per unit in a nested loop (hours at a
    # million units) instead of hashing them once
    with _planner(session, enable_nestloop="off", work_mem=BULK_WORK_MEM):
        units = returned_columns(session.connection(), stmt, UNIT_COLUMNS)
    if postgres:
        # up to a million rows just arrived: without fresh statistics the planner takes a
        # snapshot for a few rows and scans all of them to find the drawn units
        session.execute(text("ANALYZE snapshot_entry, snapshot_exclusion"))
    return units


def _entries(snapshot_id: str, plan: Plan, scope: list[ColumnElement[bool]], postgres: bool) -> Any:
    """The entries' SELECT, in reading order (code-point order of unit ids)."""
    sampling = plan.sampling
    effective = _effective_risk_class()
    # one join to the distinct dishonest enterprises, not two correlated EXISTS per unit
    dishonest_usccs = (
        select(DISHONESTY_MEASURE.c.uscc)
        .where(DISHONESTY_MEASURE.c.active.is_(True))
        .distinct()
        .subquery("dishonest_uscc")
    )
    dishonest = dishonest_usccs.c.uscc.is_not(None)
    class_weight = case({c.value: w for c, w in sampling.weights.items()}, value=effective, else_=0)
    in_code_point_order = UNIT.c.id.collate("C") if postgres else UNIT.c.id  # SQLite: bytes
    excluded = exists().where(
        SNAPSHOT_EXCLUSION.c.snapshot_id == snapshot_id,
        SNAPSHOT_EXCLUSION.c.unit_id == UNIT.c.id,
    )
    return (
        select(
            literal(snapshot_id),
            UNIT.c.id,
            UNIT.c.enterprise_uscc,
            UNIT.c.region_code,
            UNIT.c.product_category,
            effective,
            case((dishonest, 1), else_=0),
            class_weight * case((dishonest, sampling.dishonest_multiplier), else_=1),
            func.row_number().over(order_by=in_code_point_order) - 1,
        )
        .select_from(
            _units_with_risk().outerjoin(
                dishonest_usccs, dishonest_usccs.c.uscc == UNIT.c.enterprise_uscc
            )
        )
        .where(*scope, ~excluded)
        .order_by(in_code_point_order)
    )  # stored in reading order
