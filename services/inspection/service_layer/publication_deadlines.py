"""Per-result publication deadlines (issue 13, item 4): each final result is published within
20 working days of becoming final (not of the plan's end, which made failures finalised after
their re-test window overdue by construction)."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from services.inspection.adapters.orm_results import ResultDeadlineRow
from services.inspection.adapters.tables import PLAN, TASK
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.auth import AuthorityLevel, Principal
from shared.clock import CHINA_TZ, as_utc
from shared.db import table_of
from shared.periods import add_working_days

PUBLICATION_WORKDAYS = 20  # 20 working days from the final result (needs legal review: source)
DEADLINE = table_of(ResultDeadlineRow)


def set_deadline(uow: InspectionUnitOfWork, task_id: str, finalised_at: datetime) -> None:
    final_on = as_utc(finalised_at).astimezone(CHINA_TZ).date()
    due = add_working_days(final_on, PUBLICATION_WORKDAYS)
    uow.session.add(
        ResultDeadlineRow(
            task_id=task_id,
            final_on=final_on,
            deadline=due.day,
            provenance=due.provenance.value,
            calendar_version=due.calendar_version,
        )
    )


def _overdue(today: date) -> Any:
    return (
        select(
            TASK.c.id.label("task_id"),
            TASK.c.plan_id,
            PLAN.c.authority_level,
            PLAN.c.region_code,
            DEADLINE.c.final_on,
            DEADLINE.c.deadline,
            DEADLINE.c.provenance,
        )
        .select_from(
            DEADLINE.join(TASK, TASK.c.id == DEADLINE.c.task_id).join(
                PLAN, PLAN.c.id == TASK.c.plan_id
            )
        )
        .where(TASK.c.status == "final", DEADLINE.c.deadline < today)
    )


def overdue_results(conn: Connection, actor: Principal, today: date) -> dict[str, Any]:
    """Final results in the regulator's region not published by their own deadline."""
    stmt = _overdue(today).order_by(DEADLINE.c.deadline, TASK.c.id)
    if actor.authority_level is not AuthorityLevel.NATIONAL:
        from services.inspection.domain.model import region_prefix

        stmt = stmt.where(PLAN.c.region_code.startswith(region_prefix(actor.region_code or "")))
    items = [
        {**dict(r._mapping), "days_overdue": (today - r.deadline).days}
        for r in conn.execute(stmt.limit(1000))
    ]
    return {"today": today, "items": items}


def overdue_result_count(conn: Connection, today: date) -> int:
    sub = _overdue(today).subquery()
    return int(conn.execute(select(func.count()).select_from(sub)).scalar_one())
