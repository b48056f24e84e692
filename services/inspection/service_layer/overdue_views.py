"""Overdue publications: plans whose results were not published by their deadline."""

from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

from services.inspection.adapters.tables import PLAN, TASK
from services.inspection.domain.model import region_prefix
from shared.auth import AuthorityLevel, Principal


def _overdue_condition(today: date) -> Any:
    return and_(
        TASK.c.status.notin_(["published", "cancelled"]),
        or_(
            PLAN.c.publication_deadline < today,
            and_(PLAN.c.publication_deadline.is_(None), PLAN.c.period_end < today),
        ),
    )


def overdue_publications(conn: Connection, actor: Principal, today: date) -> dict[str, Any]:
    """Plans with tasks whose results are not published and whose deadline passed, or whose
    deadline is unknown (the calendar does not cover its year) although the check ended."""
    stmt = (
        select(
            PLAN.c.id,
            PLAN.c.name,
            PLAN.c.authority_level,
            PLAN.c.department,
            PLAN.c.region_code,
            PLAN.c.period_end,
            PLAN.c.publication_deadline,
            PLAN.c.deadline_problem,
            func.count(TASK.c.id).label("unpublished"),
        )
        .select_from(PLAN.join(TASK, TASK.c.plan_id == PLAN.c.id))
        .where(_overdue_condition(today))
        .group_by(
            PLAN.c.id,
            PLAN.c.name,
            PLAN.c.authority_level,
            PLAN.c.department,
            PLAN.c.region_code,
            PLAN.c.period_end,
            PLAN.c.publication_deadline,
            PLAN.c.deadline_problem,
        )
        .order_by(PLAN.c.publication_deadline, PLAN.c.id)
    )
    if actor.authority_level is not AuthorityLevel.NATIONAL:
        stmt = stmt.where(PLAN.c.region_code.startswith(region_prefix(actor.region_code or "")))
    items = []
    for r in conn.execute(stmt):
        known = r.publication_deadline is not None
        items.append(
            {
                "plan_id": r.id,
                "plan_name": r.name,
                "authority": {
                    "level": r.authority_level,
                    "department": r.department,
                    "region_code": r.region_code,
                },
                "period_end": r.period_end,
                "publication_deadline": r.publication_deadline,
                "deadline_status": "overdue" if known else "unknown",
                "deadline_problem": r.deadline_problem,
                "days_overdue": (today - r.publication_deadline).days if known else None,
                "unpublished_tasks": r.unpublished,
            }
        )
    return {"today": today, "items": items}


def overdue_count(conn: Connection, today: date) -> tuple[int, int]:
    """(tasks overdue for publication, tasks with an unknown deadline past the check's end)."""
    base = select(func.count()).select_from(TASK.join(PLAN, PLAN.c.id == TASK.c.plan_id))
    open_tasks = TASK.c.status.notin_(["published", "cancelled"])
    overdue = conn.execute(base.where(open_tasks, PLAN.c.publication_deadline < today)).scalar_one()
    unknown = conn.execute(
        base.where(open_tasks, PLAN.c.publication_deadline.is_(None), PLAN.c.period_end < today)
    ).scalar_one()
    return int(overdue), int(unknown)
