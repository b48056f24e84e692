"""Read side of tasks and published results.

Public views never carry personal data in the clear: inspectors' names are masked, who
recorded a result is not shown."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from services.inspection.adapters.tables import INSPECTOR, LAB, PLAN, RESULT, TASK, UNIT
from services.inspection.domain.model import mask_name
from shared.exceptions import NotFound
from shared.pagination import cut_page, decode_cursor

_TASK_COLUMNS = (
    TASK.c.id,
    TASK.c.draw_id,
    TASK.c.plan_id,
    TASK.c.unit_id,
    TASK.c.enterprise_uscc,
    TASK.c.product_category,
    TASK.c.region_code,
    TASK.c.stratum,
    TASK.c.rank,
    TASK.c.inspectors,
    TASK.c.lab_id,
    TASK.c.status,
    TASK.c.assigned_at,
    TASK.c.cancel_reason,
    TASK.c.published_at,
    UNIT.c.enterprise_name,
    UNIT.c.product_name,
    UNIT.c.model,
    PLAN.c.name.label("plan_name"),
    PLAN.c.authority_level,
    PLAN.c.department,
    PLAN.c.region_code.label("plan_region_code"),
    PLAN.c.period_end,
    PLAN.c.publication_deadline,
    PLAN.c.deadline_provenance,
    RESULT.c.outcome,
    RESULT.c.failed_items,
    RESULT.c.sampling_date,
    RESULT.c.status.label("result_status"),
    RESULT.c.objection_deadline,
    RESULT.c.objection_deadline_provenance,
    RESULT.c.objected_at,
    RESULT.c.objection_reason,
    RESULT.c.retested,
    RESULT.c.recorded_by,
    RESULT.c.recorded_at,
    RESULT.c.finalised_at,
)


def task_query() -> Any:
    return select(*_TASK_COLUMNS).select_from(
        TASK.join(PLAN, PLAN.c.id == TASK.c.plan_id)
        .outerjoin(UNIT, UNIT.c.id == TASK.c.unit_id)
        .outerjoin(RESULT, RESULT.c.task_id == TASK.c.id)
    )


def _names(
    conn: Connection, inspector_ids: Iterable[str], lab_ids: Iterable[str]
) -> tuple[dict, dict]:
    ins = sorted(set(inspector_ids))
    labs = sorted(set(lab_ids))
    inspectors = (
        dict(
            conn.execute(
                select(INSPECTOR.c.id, INSPECTOR.c.name).where(INSPECTOR.c.id.in_(ins))
            ).all()
        )
        if ins
        else {}
    )
    lab_names = (
        dict(conn.execute(select(LAB.c.id, LAB.c.name).where(LAB.c.id.in_(labs))).all())
        if labs
        else {}
    )
    return inspectors, lab_names


def _result_doc(r: Any, *, internal: bool) -> dict[str, Any] | None:
    if r.outcome is None:
        return None
    doc = {
        "outcome": r.outcome,
        "failed_items": r.failed_items,
        "sampling_date": r.sampling_date,
        "status": r.result_status,
        "objection_deadline": r.objection_deadline,
        "objection_deadline_provenance": r.objection_deadline_provenance,
        "retested": r.retested,
        "finalised_at": r.finalised_at,
    }
    if internal:
        doc.update(
            recorded_by=r.recorded_by,
            recorded_at=r.recorded_at,
            objected_at=r.objected_at,
            objection_reason=r.objection_reason,
        )
    return doc


def _task_doc(r: Any, inspectors: dict, labs: dict, *, internal: bool) -> dict[str, Any]:
    return {
        "id": r.id,
        "plan": {
            "id": r.plan_id,
            "name": r.plan_name,
            "authority_level": r.authority_level,
            "department": r.department,
            "region_code": r.plan_region_code,
            "period_end": r.period_end,
            "publication_deadline": r.publication_deadline,
            "publication_deadline_provenance": r.deadline_provenance,
        },
        "draw_id": r.draw_id,
        "unit_id": r.unit_id,
        "enterprise": {"uscc": r.enterprise_uscc, "name": r.enterprise_name},
        "product_name": r.product_name,
        "model": r.model,
        "product_category": r.product_category,
        "region_code": r.region_code,
        "stratum": r.stratum,
        "rank": r.rank,
        "status": r.status,
        "assigned_at": r.assigned_at,
        "cancel_reason": r.cancel_reason,
        "published_at": r.published_at,
        "team": [
            {
                "inspector_id": i,
                "name": inspectors.get(i) if internal else mask_name(inspectors.get(i)),
            }
            for i in r.inspectors
        ],
        "lab": {"id": r.lab_id, "name": labs.get(r.lab_id)},
        "result": _result_doc(r, internal=internal),
    }


def task_page(conn: Connection, stmt: Any, limit: int, *, internal: bool) -> dict[str, Any]:
    rows = conn.execute(stmt.limit(limit + 1)).all()
    page, next_cursor = cut_page(rows, limit, lambda r: r.id)
    inspectors, labs = _names(
        conn, [i for r in page for i in r.inspectors], [r.lab_id for r in page]
    )
    return {
        "items": [_task_doc(r, inspectors, labs, internal=internal) for r in page],
        "next_cursor": next_cursor,
    }


def task_view(conn: Connection, task_id: str, *, internal: bool) -> dict[str, Any]:
    row = conn.execute(task_query().where(TASK.c.id == task_id)).first()
    if row is None:
        raise NotFound(f"no task {task_id}", code="task_not_found")
    inspectors, labs = _names(conn, row.inspectors, [row.lab_id])
    return _task_doc(row, inspectors, labs, internal=internal)


def task_owner(conn: Connection, task_id: str) -> tuple[str, str] | None:
    row = conn.execute(
        select(TASK.c.plan_id, TASK.c.enterprise_uscc).where(TASK.c.id == task_id)
    ).first()
    return (row.plan_id, row.enterprise_uscc) if row else None


def plan_tasks(
    conn: Connection, plan_id: str, *, status: str | None, cursor: str | None, limit: int
) -> dict[str, Any]:
    stmt = (
        task_query()
        .where(TASK.c.plan_id == plan_id, TASK.c.id > decode_cursor(cursor))
        .order_by(TASK.c.id)
    )
    if status:
        stmt = stmt.where(TASK.c.status == status)
    return task_page(conn, stmt, limit, internal=True)


def enterprise_tasks(
    conn: Connection, uscc: str, *, cursor: str | None, limit: int
) -> dict[str, Any]:
    stmt = (
        task_query()
        .where(TASK.c.enterprise_uscc == uscc, TASK.c.id > decode_cursor(cursor))
        .order_by(TASK.c.id)
    )
    return task_page(conn, stmt, limit, internal=False)


def published_results(
    conn: Connection,
    *,
    plan_id: str | None,
    uscc: str | None,
    outcome: str | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    """The public results ("一公开"): published tasks only, personal data masked."""
    stmt = (
        task_query()
        .where(TASK.c.status == "published", TASK.c.id > decode_cursor(cursor))
        .order_by(TASK.c.id)
    )
    if plan_id:
        stmt = stmt.where(TASK.c.plan_id == plan_id)
    if uscc:
        stmt = stmt.where(TASK.c.enterprise_uscc == uscc)
    if outcome:
        stmt = stmt.where(RESULT.c.outcome == outcome)
    page = task_page(conn, stmt, limit, internal=False)
    for item in page["items"]:
        item.pop("cancel_reason", None)
    return page
