"""What the public may see of snapshots and draws, and when (issue 13, "time-locked publicity").

Spot checks are unannounced. Until a task's sampling is recorded nobody outside the plan's
authority learns that its unit was drawn:

* commit time: the snapshot hash, the seed commitment and the counts;
* draw time: the seed, the counts and a commitment to the ordered selection (its salted
  leaves, ``domain.selection_commitment``);
* sampling recorded: that task's entry of the selection, with its salt, and the enterprise
  sees its task;
* the day after the plan's sampling period ends: the whole selection, the snapshot document
  and the full verification bundle (with the selection key), provided no exclusion or late
  exclusion they contain points to another plan's task that is still secret.

Every anonymous route goes through this module; ``tests/inspection/test_publicity.py`` walks
them all.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.engine import Connection

from services.inspection.adapters.orm_disclosure import DrawCommitmentRow, TaskSamplingRow
from services.inspection.adapters.tables import DRAW, PLAN, SNAPSHOT, SNAPSHOT_EXCLUSION, TASK
from services.inspection.domain import late_exclusions as lx
from services.inspection.domain import selection_commitment as sc
from services.inspection.domain.draw import DRAW_FORMAT
from services.inspection.service_layer import draw_inputs_views, snapshot_views, task_views
from shared.db import table_of
from shared.exceptions import Forbidden
from shared.pagination import decode_cursor

SAMPLING = table_of(TaskSamplingRow)
COMMITMENT = table_of(DrawCommitmentRow)


class NotYetPublic(Forbidden):
    code = "not_yet_public"


def task_revealed(today: date) -> Any:
    """SQL: the task (joined with its plan) is public: sampled, or its plan's period ended."""
    return or_(PLAN.c.period_end < today, exists().where(SAMPLING.c.task_id == TASK.c.id))


def revealed_task_ids(conn: Connection, task_ids: Iterable[str], today: date) -> set[str]:
    ids = sorted({t for t in task_ids if t})
    if not ids:
        return set()
    stmt = (
        select(TASK.c.id)
        .select_from(TASK.join(PLAN, PLAN.c.id == TASK.c.plan_id))
        .where(TASK.c.id.in_(ids), task_revealed(today))
    )
    return set(conn.execute(stmt).scalars())


def _cause_public(entries: list[dict], revealed: set[str], known: set[str]) -> list[dict]:
    """Entries whose cause is not a still-secret task of some plan."""
    out = []
    for e in entries:
        cause = (e.get("cause") or {}).get("task_id")
        if cause is None or cause not in known or cause in revealed:
            out.append(e)
    return out


def _public_entries(conn: Connection, entries: list[dict], today: date) -> list[dict]:
    causes = [(e.get("cause") or {}).get("task_id") for e in entries]
    ids = sorted({c for c in causes if c})
    known = (
        set(conn.execute(select(TASK.c.id).where(TASK.c.id.in_(ids))).scalars()) if ids else set()
    )
    return _cause_public(entries, revealed_task_ids(conn, known, today), known)


# -- snapshots --------------------------------------------------------------------------------
def _withheld_exclusion(today: date) -> Any:
    """SQL over exclusion x (cause task, its plan): the cause is a task still secret."""
    return (
        select(SNAPSHOT_EXCLUSION.c.unit_id)
        .select_from(
            SNAPSHOT_EXCLUSION.join(TASK, TASK.c.id == SNAPSHOT_EXCLUSION.c.cause_task_id).join(
                PLAN, PLAN.c.id == TASK.c.plan_id
            )
        )
        .where(~task_revealed(today))
    )


def withheld_exclusions(conn: Connection, snapshot_id: str, today: date) -> int:
    stmt = _withheld_exclusion(today).where(SNAPSHOT_EXCLUSION.c.snapshot_id == snapshot_id)
    return len(conn.execute(stmt).all())


def _plan_of_snapshot(conn: Connection, snapshot_id: str) -> Any:
    row = conn.execute(
        select(PLAN.c.id, PLAN.c.period_end)
        .join(SNAPSHOT, SNAPSHOT.c.plan_id == PLAN.c.id)
        .where(SNAPSHOT.c.id == snapshot_id)
    ).first()
    if row is None:
        snapshot_views.snapshot_public(conn, snapshot_id)  # raises the usual 404
    return row


def require_document_public(conn: Connection, snapshot_id: str, today: date) -> None:
    plan = _plan_of_snapshot(conn, snapshot_id)
    public_from = plan.period_end + timedelta(days=1)
    if today < public_from:
        raise NotYetPublic(
            f"the snapshot document is public from {public_from.isoformat()}, the day after "
            "the plan's sampling period (spot checks are not announced in advance)",
            public_from=public_from.isoformat(),
        )
    late = [
        e
        for entries in conn.execute(
            select(DRAW.c.late_exclusions).where(DRAW.c.snapshot_id == snapshot_id)
        ).scalars()
        for e in entries or []
    ]
    # with the seed, the document would show which late-excluded units the draw passed over
    if withheld_exclusions(conn, snapshot_id, today) or len(
        _public_entries(conn, late, today)
    ) != len(late):
        raise NotYetPublic(
            "the snapshot excludes units of other plans' checks that are not public yet",
            public_from=None,
        )


def snapshot_public(conn: Connection, snapshot_id: str, today: date) -> dict[str, Any]:
    view = snapshot_views.snapshot_public(conn, snapshot_id)
    plan = _plan_of_snapshot(conn, snapshot_id)
    view["document_public_from"] = plan.period_end + timedelta(days=1)
    return view


def exclusions(
    conn: Connection, snapshot_id: str, today: date, *, cursor: str | None, limit: int
) -> dict[str, Any]:
    """The exclusions list without those caused by another plan's still-secret task."""
    withheld = _withheld_exclusion(today).where(SNAPSHOT_EXCLUSION.c.snapshot_id == snapshot_id)
    page = snapshot_views.exclusions(
        conn, snapshot_id, cursor=cursor, limit=limit, withheld=withheld
    )
    page["withheld_count"] = len(conn.execute(withheld).all())
    return page


# -- draws ------------------------------------------------------------------------------------
def _draw_context(conn: Connection, draw_id: str) -> tuple[Any, Any, Any]:
    row = snapshot_views.draw_row(conn, draw_id)
    plan = conn.execute(select(PLAN.c.period_end).where(PLAN.c.id == row.plan_id)).one()
    commitment = conn.execute(select(COMMITMENT).where(COMMITMENT.c.draw_id == draw_id)).first()
    return row, plan, commitment


def _selection(conn: Connection, draw_id: str) -> list[Any]:
    return list(
        conn.execute(
            select(
                TASK.c.id,
                TASK.c.unit_id,
                TASK.c.stratum,
                TASK.c.rank,
                TASK.c.inspectors,
                TASK.c.lab_id,
            )
            .where(TASK.c.draw_id == draw_id)
            .order_by(TASK.c.stratum, TASK.c.rank)
        )
    )


def _sampled(conn: Connection, draw_id: str) -> set[str]:
    return set(
        conn.execute(
            select(SAMPLING.c.task_id)
            .join(TASK, TASK.c.id == SAMPLING.c.task_id)
            .where(TASK.c.draw_id == draw_id)
        ).scalars()
    )


def _complete(conn: Connection, row: Any, plan: Any, today: date) -> bool:
    if today <= plan.period_end:
        return False
    late = row.late_exclusions or []
    if len(_public_entries(conn, late, today)) != len(late):
        return False
    return withheld_exclusions(conn, row.snapshot_id, today) == 0


def draw_public(conn: Connection, draw_id: str, today: date) -> dict[str, Any]:
    row, plan, commitment = _draw_context(conn, draw_id)
    view = snapshot_views.draw_public(conn, draw_id)
    complete = _complete(conn, row, plan, today)
    late = _public_entries(conn, row.late_exclusions or [], today)
    view["late_exclusions"] = late
    view["late_exclusions_withheld"] = len(row.late_exclusions or []) - len(late)
    view.update(lx.record_fields(row.late_exclusions or []))
    if not complete:
        view.pop("result_digest")
    view["selection_commitment"] = commitment.selection_commitment if commitment else None
    view.update(
        draw_inputs_views.for_record(conn, row.snapshot_id, row.seed_hex, row.snapshot_hash)
    )
    view["selection_scheme"] = commitment.scheme if commitment else None
    revealed = (
        row.selected_count if complete or today > plan.period_end else len(_sampled(conn, draw_id))
    )
    view["disclosure"] = {
        "state": "complete" if complete else ("partial" if revealed else "sealed"),
        "revealed_count": revealed,
        "public_from": plan.period_end + timedelta(days=1),
    }
    return view


def _entry(t: Any) -> dict[str, Any]:
    return {
        "unit_id": t.unit_id,
        "stratum": t.stratum,
        "rank": t.rank,
        "inspectors": list(t.inspectors),
        "lab": t.lab_id,
    }


def verification_bundle(conn: Connection, draw_id: str, today: date) -> dict[str, Any]:
    """The full bundle once the draw is wholly public; before, the salted leaves of the whole
    selection and the entries already revealed, each with its salt."""
    row, plan, commitment = _draw_context(conn, draw_id)
    complete = _complete(conn, row, plan, today)
    if complete:
        bundle = snapshot_views.verification_bundle(conn, draw_id)
        bundle["disclosure"] = "complete"
        bundle.update(lx.record_fields(row.late_exclusions or []))
        bundle.update(
            draw_inputs_views.for_record(conn, row.snapshot_id, row.seed_hex, row.snapshot_hash)
        )
        if commitment is not None:
            bundle.update(
                selection_scheme=commitment.scheme,
                selection_commitment=commitment.selection_commitment,
                selection_key=commitment.key_hex,
            )
        return bundle
    tasks = _selection(conn, draw_id)
    entries = [_entry(t) for t in tasks]
    open_ids = _sampled(conn, draw_id) | (
        {t.id for t in tasks} if today > plan.period_end else set()
    )
    bundle = {
        "format": DRAW_FORMAT,
        "disclosure": "partial",
        "algorithm": row.algorithm,
        "draw_id": row.id,
        "plan_id": row.plan_id,
        "snapshot_id": row.snapshot_id,
        "seed": row.seed_hex,
        "seed_commitment": row.seed_commitment,
        "snapshot_hash": row.snapshot_hash,
        "selected_count": len(entries),
        "public_from": plan.period_end + timedelta(days=1),
        "selection": [],
        "leaves": [],
        "selection_commitment": None,
        **draw_inputs_views.for_record(conn, row.snapshot_id, row.seed_hex, row.snapshot_hash),
    }
    if commitment is None:  # a draw made before commitments existed: nothing to reveal early
        return bundle
    key = bytes.fromhex(commitment.key_hex)
    salts = sc.salts(key, len(entries))
    revealed_units = set()
    for i, (t, entry) in enumerate(zip(tasks, entries, strict=True)):
        if t.id in open_ids:
            bundle["selection"].append({**entry, "index": i, "salt": salts[i].hex()})
            revealed_units.add(t.unit_id)
    bundle.update(
        selection_scheme=commitment.scheme,
        selection_commitment=commitment.selection_commitment,
        leaves=[sc.leaf(s, e).hex() for s, e in zip(salts, entries, strict=True)],
        recusals=[r for r in row.recusals or [] if r["unit_id"] in revealed_units],
        late_exclusions=_public_entries(conn, row.late_exclusions or [], today),
        **lx.record_fields(row.late_exclusions or []),
    )
    return bundle


# -- the enterprise's view ------------------------------------------------------------------------
def enterprise_may_see(conn: Connection, task_id: str, today: date) -> bool:
    return bool(revealed_task_ids(conn, [task_id], today))


def enterprise_tasks(
    conn: Connection, uscc: str, today: date, *, cursor: str | None, limit: int
) -> dict[str, Any]:
    """The enterprise's own tasks, once their sampling is recorded (never announced before)."""
    stmt = (
        task_views.task_query()
        .where(
            TASK.c.enterprise_uscc == uscc, TASK.c.id > decode_cursor(cursor), task_revealed(today)
        )
        .order_by(TASK.c.id)
    )
    return task_views.task_page(conn, stmt, limit, internal=False)
