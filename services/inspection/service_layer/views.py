"""Read side: plans, draw verification data, tasks, published results, overdue publications.

Single SQLAlchemy Core queries, no ORM objects. Public views never carry personal data in the
clear: inspectors' names are masked, who recorded a result is not shown.
"""

import base64
import binascii
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

from services.inspection.adapters.orm import (
    DeadlineChangeRow,
    DrawRow,
    InspectorRow,
    LabRow,
    PlanRow,
    PolicyRow,
    ResultRow,
    SnapshotExclusionRow,
    SnapshotRow,
    TaskRow,
    UnitRow,
)
from services.inspection.domain.draw import DRAW_FORMAT, canonical_bytes
from services.inspection.domain.model import mask_name, region_prefix
from shared.auth import AuthorityLevel, Principal
from shared.db import table_of
from shared.exceptions import InvalidInput, NotFound

PLAN = table_of(PlanRow)
SNAPSHOT = table_of(SnapshotRow)
DRAW = table_of(DrawRow)
TASK = table_of(TaskRow)
RESULT = table_of(ResultRow)
UNIT = table_of(UnitRow)
SNAPSHOT_EXCLUSION = table_of(SnapshotExclusionRow)
INSPECTOR = table_of(InspectorRow)
LABORATORY = table_of(LabRow)
POLICY = table_of(PolicyRow)
P = PLAN.c
S = SNAPSHOT.c
D = DRAW.c
T = TASK.c
R = RESULT.c
U = UNIT.c
X = SNAPSHOT_EXCLUSION.c
INS = INSPECTOR.c
LAB = LABORATORY.c


# -- cursors ------------------------------------------------------------------------------------
def encode_cursor(last: str) -> str:
    return base64.urlsafe_b64encode(f"v1:{last}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str:
    if not cursor:
        return ""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _, value = raw.partition(":")
        if version != "v1" or "\x00" in value:  # NUL cannot be a stored key
            raise ValueError(version)
        return value
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidInput(
            "the cursor is not one this API handed out", code="invalid_cursor"
        ) from None


def _page(rows: Sequence[Any], limit: int, key: str) -> tuple[Sequence[Any], str | None]:
    page = rows[:limit]
    more = len(rows) > limit
    return page, encode_cursor(str(page[-1]._mapping[key])) if more and page else None


# -- plans --------------------------------------------------------------------------------------
def plan_row(conn: Connection, plan_id: str) -> Any:
    row = conn.execute(select(PLAN).where(P.id == plan_id)).first()
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
                S.id,
                S.status,
                S.snapshot_hash,
                S.seed_commitment,
                S.unit_count,
                S.excluded_count,
                S.frozen_on,
                S.created_at,
            )
            .where(S.plan_id == plan_id)
            .order_by(S.created_at)
        )
    ]
    view["draws"] = [
        dict(r._mapping)
        for r in conn.execute(
            select(
                D.id,
                D.snapshot_id,
                D.status,
                D.selected_count,
                D.supersedes_draw_id,
                D.redraw_reason,
                D.drawn_at,
            )
            .where(D.plan_id == plan_id)
            .order_by(D.drawn_at)
        )
    ]
    view["tasks_by_status"] = {
        r.status: r.n
        for r in conn.execute(
            select(T.status, func.count().label("n")).where(T.plan_id == plan_id).group_by(T.status)
        )
    }
    view["deadline_changes"] = deadline_changes(conn, plan_id)
    return view


def deadline_changes(conn: Connection, plan_id: str) -> list[dict[str, Any]]:
    """How the plan's deadlines moved when newer calendar data arrived, oldest first."""
    dc = table_of(DeadlineChangeRow).c
    return [
        {k: v for k, v in r._mapping.items() if k not in ("id", "plan_id")}
        for r in conn.execute(
            select(table_of(DeadlineChangeRow)).where(dc.plan_id == plan_id).order_by(dc.id)
        )
    ]


def list_plans(
    conn: Connection, actor: Principal, *, cursor: str | None, limit: int
) -> dict[str, Any]:
    """Plans in the regulator's jurisdiction (its own and lower authorities' in its region)."""
    stmt = select(PLAN).where(P.id > decode_cursor(cursor)).order_by(P.id).limit(limit + 1)
    if actor.authority_level is not AuthorityLevel.NATIONAL:
        stmt = stmt.where(P.region_code.startswith(region_prefix(actor.region_code or "")))
    rows = conn.execute(stmt).all()
    page, next_cursor = _page(rows, limit, "id")
    return {"items": [_plan_doc(r) for r in page], "next_cursor": next_cursor}


# -- snapshots and draws (public verification data) ---------------------------------------------
def snapshot_public(conn: Connection, snapshot_id: str) -> dict[str, Any]:
    row = conn.execute(
        select(
            S.id,
            S.plan_id,
            S.status,
            S.policy_version,
            S.frozen_on,
            S.snapshot_hash,
            S.seed_commitment,
            S.unit_count,
            S.excluded_count,
            S.created_at,
            S.header["algorithm"].as_string().label("algorithm"),
            S.header["roster_version"].as_integer().label("roster_version"),
        ).where(S.id == snapshot_id)
    ).first()
    if row is None:
        raise NotFound(f"no snapshot {snapshot_id}", code="snapshot_not_found")
    view = dict(row._mapping)
    view["document_url"] = f"/public/snapshots/{snapshot_id}/document"
    view["exclusions_url"] = f"/public/snapshots/{snapshot_id}/exclusions"
    draw = conn.execute(select(D.id).where(D.snapshot_id == snapshot_id)).scalar()
    view["draw_id"] = draw
    return view


def snapshot_document(conn: Connection, header: dict, units: dict) -> bytes:
    return canonical_bytes({**header, "units": units})


def snapshot_header(conn: Connection, snapshot_id: str) -> dict:
    header = conn.execute(select(S.header).where(S.id == snapshot_id)).scalar()
    if header is None:
        raise NotFound(f"no snapshot {snapshot_id}", code="snapshot_not_found")
    return header  # type: ignore[no-any-return]


def exclusions(
    conn: Connection, snapshot_id: str, *, cursor: str | None, limit: int
) -> dict[str, Any]:
    """Every unit in scope that was not eligible, with the rule and the check that caused it."""
    snapshot_public(conn, snapshot_id)
    rows = conn.execute(
        select(
            X.unit_id,
            X.rule,
            X.cause_task_id,
            X.cause_plan_id,
            X.cause_authority_level,
            X.cause_region_code,
            X.cause_date,
        )
        .where(X.snapshot_id == snapshot_id, X.unit_id > decode_cursor(cursor))
        .order_by(X.unit_id)
        .limit(limit + 1)
    ).all()
    page, next_cursor = _page(rows, limit, "unit_id")
    return {
        "items": [
            {
                "unit_id": r.unit_id,
                "rule": r.rule,
                "cause": {
                    "task_id": r.cause_task_id,
                    "plan_id": r.cause_plan_id,
                    "authority_level": r.cause_authority_level,
                    "region_code": r.cause_region_code,
                    "date": r.cause_date,
                },
            }
            for r in page
        ],
        "next_cursor": next_cursor,
    }


def _draw_row(conn: Connection, draw_id: str) -> Any:
    row = conn.execute(
        select(DRAW, S.snapshot_hash, S.seed_commitment)
        .join(SNAPSHOT, S.id == D.snapshot_id)
        .where(D.id == draw_id)
    ).first()
    if row is None:
        raise NotFound(f"no draw {draw_id}", code="draw_not_found")
    return row


def draw_public(conn: Connection, draw_id: str) -> dict[str, Any]:
    row = _draw_row(conn, draw_id)
    return {
        "id": row.id,
        "plan_id": row.plan_id,
        "snapshot_id": row.snapshot_id,
        "status": row.status,
        "algorithm": row.algorithm,
        "seed": row.seed_hex,
        "seed_commitment": row.seed_commitment,
        "snapshot_hash": row.snapshot_hash,
        "result_digest": row.result_digest,
        "selected_count": row.selected_count,
        "strata": row.strata,
        "late_exclusions": row.late_exclusions,
        "supersedes_draw_id": row.supersedes_draw_id,
        "superseded_by": row.superseded_by,
        "redraw_reason": row.redraw_reason,
        "drawn_at": row.drawn_at,
        "verification_url": f"/public/draws/{row.id}/verification",
        "snapshot_url": f"/public/snapshots/{row.snapshot_id}/document",
    }


def verification_bundle(conn: Connection, draw_id: str) -> dict[str, Any]:
    """Everything the offline verifier needs besides the snapshot document."""
    row = _draw_row(conn, draw_id)
    selection = [
        {
            "unit_id": t.unit_id,
            "stratum": t.stratum,
            "rank": t.rank,
            "inspectors": list(t.inspectors),
            "lab": t.lab_id,
        }
        for t in conn.execute(
            select(T.unit_id, T.stratum, T.rank, T.inspectors, T.lab_id)
            .where(T.draw_id == draw_id)
            .order_by(T.stratum, T.rank)
        )
    ]
    return {
        "format": DRAW_FORMAT,
        "algorithm": row.algorithm,
        "draw_id": row.id,
        "plan_id": row.plan_id,
        "snapshot_id": row.snapshot_id,
        "seed": row.seed_hex,
        "seed_commitment": row.seed_commitment,
        "snapshot_hash": row.snapshot_hash,
        "late_exclusions": row.late_exclusions,
        "recusals": row.recusals,
        "selection": selection,
        "result_digest": row.result_digest,
        "snapshot_url": f"/public/snapshots/{row.snapshot_id}/document",
    }


def policies(conn: Connection) -> list[dict[str, Any]]:
    pc = POLICY.c
    return [
        {"version": r.version, "effective_from": r.effective_from, "document": r.document}
        for r in conn.execute(
            select(pc.version, pc.effective_from, pc.document).order_by(pc.version)
        )
    ]


# -- tasks --------------------------------------------------------------------------------------
_TASK_COLUMNS = (
    T.id,
    T.draw_id,
    T.plan_id,
    T.unit_id,
    T.enterprise_uscc,
    T.product_category,
    T.region_code,
    T.stratum,
    T.rank,
    T.inspectors,
    T.lab_id,
    T.status,
    T.assigned_at,
    T.cancel_reason,
    T.published_at,
    U.enterprise_name,
    U.product_name,
    U.model,
    P.name.label("plan_name"),
    P.authority_level,
    P.department,
    P.region_code.label("plan_region_code"),
    P.period_end,
    P.publication_deadline,
    P.deadline_provenance,
    R.outcome,
    R.failed_items,
    R.sampling_date,
    R.status.label("result_status"),
    R.objection_deadline,
    R.objection_deadline_provenance,
    R.objected_at,
    R.objection_reason,
    R.retested,
    R.recorded_by,
    R.recorded_at,
    R.finalised_at,
)


def _task_query() -> Any:
    return select(*_TASK_COLUMNS).select_from(
        TASK.join(PLAN, P.id == T.plan_id)
        .outerjoin(UNIT, U.id == T.unit_id)
        .outerjoin(RESULT, R.task_id == T.id)
    )


def _names(
    conn: Connection, inspector_ids: Iterable[str], lab_ids: Iterable[str]
) -> tuple[dict, dict]:
    ins = sorted(set(inspector_ids))
    labs = sorted(set(lab_ids))
    inspectors = (
        dict(conn.execute(select(INS.id, INS.name).where(INS.id.in_(ins))).all()) if ins else {}
    )
    lab_names = (
        dict(conn.execute(select(LAB.id, LAB.name).where(LAB.id.in_(labs))).all()) if labs else {}
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


def _tasks(conn: Connection, stmt: Any, limit: int, *, internal: bool) -> dict[str, Any]:
    rows = conn.execute(stmt.limit(limit + 1)).all()
    page, next_cursor = _page(rows, limit, "id")
    inspectors, labs = _names(
        conn, [i for r in page for i in r.inspectors], [r.lab_id for r in page]
    )
    return {
        "items": [_task_doc(r, inspectors, labs, internal=internal) for r in page],
        "next_cursor": next_cursor,
    }


def task_view(conn: Connection, task_id: str, *, internal: bool) -> dict[str, Any]:
    row = conn.execute(_task_query().where(T.id == task_id)).first()
    if row is None:
        raise NotFound(f"no task {task_id}", code="task_not_found")
    inspectors, labs = _names(conn, row.inspectors, [row.lab_id])
    return _task_doc(row, inspectors, labs, internal=internal)


def task_owner(conn: Connection, task_id: str) -> tuple[str, str] | None:
    row = conn.execute(select(T.plan_id, T.enterprise_uscc).where(T.id == task_id)).first()
    return (row.plan_id, row.enterprise_uscc) if row else None


def plan_tasks(
    conn: Connection, plan_id: str, *, status: str | None, cursor: str | None, limit: int
) -> dict[str, Any]:
    stmt = _task_query().where(T.plan_id == plan_id, T.id > decode_cursor(cursor)).order_by(T.id)
    if status:
        stmt = stmt.where(T.status == status)
    return _tasks(conn, stmt, limit, internal=True)


def enterprise_tasks(
    conn: Connection, uscc: str, *, cursor: str | None, limit: int
) -> dict[str, Any]:
    stmt = (
        _task_query().where(T.enterprise_uscc == uscc, T.id > decode_cursor(cursor)).order_by(T.id)
    )
    return _tasks(conn, stmt, limit, internal=False)


# -- publication ---------------------------------------------------------------------------------
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
    stmt = _task_query().where(T.status == "published", T.id > decode_cursor(cursor)).order_by(T.id)
    if plan_id:
        stmt = stmt.where(T.plan_id == plan_id)
    if uscc:
        stmt = stmt.where(T.enterprise_uscc == uscc)
    if outcome:
        stmt = stmt.where(R.outcome == outcome)
    page = _tasks(conn, stmt, limit, internal=False)
    for item in page["items"]:
        item.pop("cancel_reason", None)
    return page


def _overdue_condition(today: date) -> Any:
    return and_(
        T.status.notin_(["published", "cancelled"]),
        or_(
            P.publication_deadline < today,
            and_(P.publication_deadline.is_(None), P.period_end < today),
        ),
    )


def overdue_publications(conn: Connection, actor: Principal, today: date) -> dict[str, Any]:
    """Plans with tasks whose results are not published and whose deadline passed, or whose
    deadline is unknown (the calendar does not cover its year) although the check ended."""
    stmt = (
        select(
            P.id,
            P.name,
            P.authority_level,
            P.department,
            P.region_code,
            P.period_end,
            P.publication_deadline,
            P.deadline_problem,
            func.count(T.id).label("unpublished"),
        )
        .select_from(PLAN.join(TASK, T.plan_id == P.id))
        .where(_overdue_condition(today))
        .group_by(
            P.id,
            P.name,
            P.authority_level,
            P.department,
            P.region_code,
            P.period_end,
            P.publication_deadline,
            P.deadline_problem,
        )
        .order_by(P.publication_deadline, P.id)
    )
    if actor.authority_level is not AuthorityLevel.NATIONAL:
        stmt = stmt.where(P.region_code.startswith(region_prefix(actor.region_code or "")))
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
    base = select(func.count()).select_from(TASK.join(PLAN, P.id == T.plan_id))
    open_tasks = T.status.notin_(["published", "cancelled"])
    overdue = conn.execute(base.where(open_tasks, P.publication_deadline < today)).scalar_one()
    unknown = conn.execute(
        base.where(open_tasks, P.publication_deadline.is_(None), P.period_end < today)
    ).scalar_one()
    return int(overdue), int(unknown)
