"""Public lists of inspection matters and annual plans, and pass-rate statistics (issue 13,
item 7). Anonymous; nothing here names a unit or an enterprise: plans show what will be
checked, by whom and how many, statistics count published final results only."""

from datetime import date
from typing import Any

from sqlalchemy import and_, func, select, true
from sqlalchemy.engine import Connection

from services.inspection.adapters.tables import DRAW, PLAN, RESULT, TASK
from services.inspection.domain import publicity as pub
from services.inspection.domain.model import CheckType, DrawStatus, region_prefix
from shared.exceptions import InvalidInput, NotFound
from shared.pagination import cut_page, decode_cursor


def _in_year(year: int | None) -> Any:
    if year is None:
        return true()
    return and_(PLAN.c.period_start <= date(year, 12, 31), PLAN.c.period_end >= date(year, 1, 1))


def _plan_public(row: Any, drawn: dict[str, int]) -> dict[str, Any]:
    matter = pub.MATTERS.get(CheckType(row.check_type))
    return {
        "id": row.id,
        "name": row.name,
        "authority": {
            "level": row.authority_level,
            "department": row.department,
            "region_code": row.region_code,
        },
        "joint_departments": row.joint_departments or [],
        "check_type": row.check_type,
        "matter": matter.name if matter else None,
        "scope": row.scope,
        "strata": row.sampling.get("strata", []),
        "planned_count": pub.planned_count(row.sampling),
        "drawn_count": drawn.get(row.id),
        "team_size": row.team_size,
        "period_start": row.period_start,
        "period_end": row.period_end,
        "publication_deadline": row.publication_deadline,
    }


def _drawn(conn: Connection, plan_ids: list[str]) -> dict[str, int]:
    if not plan_ids:
        return {}
    stmt = select(DRAW.c.plan_id, DRAW.c.selected_count).where(
        DRAW.c.plan_id.in_(plan_ids), DRAW.c.status == DrawStatus.ACTIVE
    )
    return {r.plan_id: r.selected_count for r in conn.execute(stmt)}


def plans(
    conn: Connection,
    *,
    year: int | None,
    level: str | None,
    region: str | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    """Annual plans: what will be checked (matter, scope), by whom (authority, joint
    departments), how many (strata; planned and drawn counts), when."""
    stmt = (
        select(PLAN)
        .where(PLAN.c.id > decode_cursor(cursor), _in_year(year))
        .order_by(PLAN.c.id)
        .limit(limit + 1)
    )
    if level:
        stmt = stmt.where(PLAN.c.authority_level == level)
    if region:
        stmt = stmt.where(PLAN.c.region_code.startswith(region_prefix(region)))
    page, next_cursor = cut_page(conn.execute(stmt).all(), limit, lambda r: r.id)
    drawn = _drawn(conn, [r.id for r in page])
    return {"items": [_plan_public(r, drawn) for r in page], "next_cursor": next_cursor}


def plan(conn: Connection, plan_id: str) -> dict[str, Any]:
    row = conn.execute(select(PLAN).where(PLAN.c.id == plan_id)).first()
    if row is None:
        raise NotFound(f"no plan {plan_id}", code="plan_not_found")
    return _plan_public(row, _drawn(conn, [row.id]))


def matters(conn: Connection, year: int | None) -> dict[str, Any]:
    """The inspection matters with their legal basis, and per matter the authorities that
    plan checks of it (in ``year``): how many plans, of which product categories, how many
    units planned (fixed sizes) and drawn."""
    rows = conn.execute(select(PLAN).where(_in_year(year)).order_by(PLAN.c.id)).all()
    drawn = _drawn(conn, [r.id for r in rows])
    by_matter: dict[str, dict[tuple, dict[str, Any]]] = {}
    for r in rows:
        key = (r.authority_level, r.department, r.region_code, *sorted(r.joint_departments or []))
        entry = by_matter.setdefault(r.check_type, {}).setdefault(
            key,
            {
                "authority": {
                    "level": r.authority_level,
                    "department": r.department,
                    "region_code": r.region_code,
                },
                "joint_departments": sorted(r.joint_departments or []),
                "plans": 0,
                "product_categories": set(),
                "planned_count": 0,
                "plans_by_ratio": 0,
                "drawn_count": 0,
            },
        )
        entry["plans"] += 1
        entry["product_categories"] |= set(r.scope.get("product_categories", [])) or {"*"}
        planned = pub.planned_count(r.sampling)
        entry["planned_count"] += planned or 0
        entry["plans_by_ratio"] += planned is None
        entry["drawn_count"] += drawn.get(r.id, 0)
    items = []
    for check_type, matter in pub.MATTERS.items():
        authorities = list(by_matter.get(check_type.value, {}).values())
        for a in authorities:
            a["product_categories"] = sorted(a["product_categories"])  # "*": every category
        items.append({**matter.as_doc(), "year": year, "authorities": authorities})
    return {"items": items}


def _check_grouping(period: str, group_by: tuple[str, ...], region_digits: int) -> None:
    if period not in pub.PERIODS:
        raise InvalidInput(f"period is one of {', '.join(pub.PERIODS)}", code="invalid_period")
    if region_digits not in (2, 4, 6):
        raise InvalidInput("region_digits is 2, 4 or 6", code="invalid_region_digits")
    unknown = [d for d in group_by if d not in pub.DIMENSIONS]
    if unknown or len(set(group_by)) != len(group_by):
        raise InvalidInput(
            f"group_by takes each of {', '.join(pub.DIMENSIONS)} at most once",
            code="invalid_group_by",
        )


def _facts(conn: Connection, conds: list[Any]) -> list[pub.Fact]:
    """Published results counted per level, check type, region, category, day and outcome."""
    dims = (
        PLAN.c.authority_level,
        PLAN.c.check_type,
        TASK.c.region_code,
        TASK.c.product_category,
        RESULT.c.sampling_date,
    )
    stmt = (
        select(*dims, RESULT.c.outcome, func.count())
        .select_from(
            TASK.join(RESULT, RESULT.c.task_id == TASK.c.id).join(PLAN, PLAN.c.id == TASK.c.plan_id)
        )
        .where(TASK.c.status == "published", *conds)
        .group_by(*dims, RESULT.c.outcome)
    )
    return [
        pub.Fact(
            level=row[0],
            check_type=row[1],
            region_code=row[2],
            product_category=row[3],
            sampling_date=row[4],
            outcome=row[5],
            count=int(row[6]),
        )
        for row in conn.execute(stmt)
    ]


def pass_rates(
    conn: Connection,
    *,
    period: str,
    group_by: tuple[str, ...],
    region_digits: int,
    date_from: date | None,
    date_to: date | None,
    level: str | None,
    check_type: str | None,
    product_category: str | None,
    region: str | None,
) -> dict[str, Any]:
    _check_grouping(period, group_by, region_digits)
    conds: list[Any] = [
        column == value
        for column, value in (
            (PLAN.c.authority_level, level),
            (PLAN.c.check_type, check_type),
            (TASK.c.product_category, product_category),
        )
        if value
    ]
    if region:
        conds.append(TASK.c.region_code.startswith(region_prefix(region)))
    if date_from:
        conds.append(RESULT.c.sampling_date >= date_from)
    if date_to:
        conds.append(RESULT.c.sampling_date <= date_to)
    return {
        "period": period,
        "group_by": list(group_by),
        "region_digits": region_digits,
        "basis": "published final results by sampling date; pass_rate = pass / (pass + fail)",
        "groups": pub.pass_rates(
            _facts(conn, conds), period=period, group_by=group_by, region_digits=region_digits
        ),
    }
