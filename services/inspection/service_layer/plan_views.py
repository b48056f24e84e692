"""Read side of plans: a plan with its snapshots, draws, task counts and deadline changes; the
plans of a jurisdiction; the eligibility policy versions. Single SQLAlchemy Core queries."""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from services.inspection.adapters.tables import DEADLINE_CHANGE, DRAW, PLAN, POLICY, SNAPSHOT, TASK
from services.inspection.domain.model import region_prefix
from shared.auth import AuthorityLevel, Principal
from shared.exceptions import NotFound
from shared.pagination import cut_page, decode_cursor


def plan_row(conn: Connection, plan_id: str) -> Any:
    row = conn.execute(select(PLAN).where(PLAN.c.id == plan_id)).first()
    if row is None:
        raise NotFound(f"no plan {plan_id}", code="plan_not_found")
    return row


def _plan_doc(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "authority": {
            "level": row.authority_level,
            "department": row.department,
            "region_code": row.region_code,
        },
        "check_type": row.check_type,
        "scope": row.scope,
        "sampling": row.sampling,
        "team_size": row.team_size,
        "cross_region_teams": row.cross_region_teams,
        "inspector_cooldown_days": row.inspector_cooldown_days,
        "period_start": row.period_start,
        "period_end": row.period_end,
        "publication_deadline": row.publication_deadline,
        "publication_deadline_problem": row.deadline_problem,
        "publication_deadline_provenance": row.deadline_provenance,
        "publication_deadline_calendar_version": row.deadline_calendar_version,
        "created_at": row.created_at,
        "joint_departments": row.joint_departments or [],
    }


def plan_view(conn: Connection, plan_id: str) -> dict[str, Any]:
    row = plan_row(conn, plan_id)
    view = _plan_doc(row)
    view["snapshots"] = [
        dict(r._mapping)
        for r in conn.execute(
            select(
                SNAPSHOT.c.id,
                SNAPSHOT.c.status,
                SNAPSHOT.c.snapshot_hash,
                SNAPSHOT.c.seed_commitment,
                SNAPSHOT.c.unit_count,
                SNAPSHOT.c.excluded_count,
                SNAPSHOT.c.frozen_on,
                SNAPSHOT.c.created_at,
            )
            .where(SNAPSHOT.c.plan_id == plan_id)
            .order_by(SNAPSHOT.c.created_at)
        )
    ]
    view["draws"] = [
        dict(r._mapping)
        for r in conn.execute(
            select(
                DRAW.c.id,
                DRAW.c.snapshot_id,
                DRAW.c.status,
                DRAW.c.selected_count,
                DRAW.c.supersedes_draw_id,
                DRAW.c.redraw_reason,
                DRAW.c.drawn_at,
            )
            .where(DRAW.c.plan_id == plan_id)
            .order_by(DRAW.c.drawn_at)
        )
    ]
    view["tasks_by_status"] = {
        r.status: r.n
        for r in conn.execute(
            select(TASK.c.status, func.count().label("n"))
            .where(TASK.c.plan_id == plan_id)
            .group_by(TASK.c.status)
        )
    }
    view["deadline_changes"] = deadline_changes(conn, plan_id)
    return view


def deadline_changes(conn: Connection, plan_id: str) -> list[dict[str, Any]]:
    """How the plan's deadlines moved when newer calendar data arrived, oldest first."""
    return [
        {k: v for k, v in r._mapping.items() if k not in ("id", "plan_id")}
        for r in conn.execute(
            select(DEADLINE_CHANGE)
            .where(DEADLINE_CHANGE.c.plan_id == plan_id)
            .order_by(DEADLINE_CHANGE.c.id)
        )
    ]


def list_plans(
    conn: Connection, actor: Principal, *, cursor: str | None, limit: int
) -> dict[str, Any]:
    """Plans in the regulator's jurisdiction (its own and lower authorities' in its region)."""
    stmt = (
        select(PLAN).where(PLAN.c.id > decode_cursor(cursor)).order_by(PLAN.c.id).limit(limit + 1)
    )
    if actor.authority_level is not AuthorityLevel.NATIONAL:
        stmt = stmt.where(PLAN.c.region_code.startswith(region_prefix(actor.region_code or "")))
    rows = conn.execute(stmt).all()
    page, next_cursor = cut_page(rows, limit, lambda r: r.id)
    return {"items": [_plan_doc(r) for r in page], "next_cursor": next_cursor}


def policies(conn: Connection) -> list[dict[str, Any]]:
    return [
        {"version": r.version, "effective_from": r.effective_from, "document": r.document}
        for r in conn.execute(
            select(POLICY.c.version, POLICY.c.effective_from, POLICY.c.document).order_by(
                POLICY.c.version
            )
        )
    ]
