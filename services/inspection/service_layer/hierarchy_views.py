"""Public list of claims that ended without a result: withdrawn tasks (with the reason),
tasks taken over by a higher level's check, claims expired at the end of the sampling period
(issue 13, item 3). The unit is named only once the task is public (disclosure rules)."""

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from services.inspection.adapters.orm_hierarchy import ClaimEventRow
from services.inspection.service_layer.disclosure_views import revealed_task_ids
from shared.db import table_of
from shared.pagination import cut_page, decode_cursor

EVENT = table_of(ClaimEventRow)


def claim_events(
    conn: Connection, today: date, *, plan_id: str | None, cursor: str | None, limit: int
) -> dict[str, Any]:
    after = decode_cursor(cursor)
    stmt = select(EVENT).order_by(EVENT.c.id).limit(limit + 1)
    if after:
        stmt = stmt.where(EVENT.c.id > int(after) if after.isdigit() else EVENT.c.id > 0)
    if plan_id:
        stmt = stmt.where(EVENT.c.plan_id == plan_id)
    rows = conn.execute(stmt).all()
    page, next_cursor = cut_page(rows, limit, lambda r: r.id)
    public = revealed_task_ids(conn, [r.task_id for r in page], today)
    return {
        "items": [
            {
                "kind": r.kind,
                "plan_id": r.plan_id,
                "authority_level": r.authority_level,
                "task_id": r.task_id if r.task_id in public else None,
                "unit_id": r.unit_id if r.task_id in public else None,
                "task_cancelled": r.task_cancelled,
                "reason": r.reason,
                "by_plan_id": r.by_plan_id,
                "at": r.at,
            }
            for r in page
        ],
        "next_cursor": next_cursor,
    }
