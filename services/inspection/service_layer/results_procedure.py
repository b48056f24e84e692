"""Results procedure (issue 13, item 4): the date the enterprise received a failed result
starts its re-test window; the re-test lab is drawn verifiably among the other accredited
labs. One use case = one transaction."""

from datetime import date
from typing import Any

from sqlalchemy import select

from services.inspection.adapters.orm import DrawRow, LabRow, SnapshotRow
from services.inspection.adapters.orm_results import ResultReceiptRow, RetestLabRow
from services.inspection.domain import retest
from services.inspection.domain.model import Outcome, ResultStatus
from services.inspection.service_layer import draw_inputs_views
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.auth import Principal
from shared.clock import today_in_china, utcnow
from shared.db import table_of
from shared.exceptions import Conflict, InvalidInput, NotFound


def _task_and_result(uow: InspectionUnitOfWork, task_id: str, actor: Principal) -> tuple:
    from services.inspection.service_layer.services import _load_plan, require_authority

    task = uow.tasks.get(task_id, for_update=True)
    if task is None:
        raise NotFound(f"no task {task_id}", code="task_not_found")
    require_authority(_load_plan(uow, task.plan_id), actor)
    result = uow.results.get(task_id, for_update=True)
    if result is None:
        raise Conflict("no result has been recorded yet", code="no_result")
    return task, result


def record_receipt(
    uow: InspectionUnitOfWork,
    task_id: str,
    received_on: date,
    actor: Principal,
    today: date | None = None,
) -> dict[str, Any]:
    """The enterprise received the failed result on ``received_on``: the re-test window runs
    15 days from then (Civil Code counting) and replaces the provisional one."""
    today = today or today_in_china()
    if received_on > today:
        raise InvalidInput("the receipt date is in the future", code="invalid_receipt_date")
    with uow:
        task, result = _task_and_result(uow, task_id, actor)
        if result.outcome is not Outcome.FAIL or result.status is not ResultStatus.PROVISIONAL:
            raise Conflict(
                "a receipt starts the re-test window of a provisional failure only",
                code="result_not_provisional",
                result_status=result.status.value,
            )
        if received_on < result.sampling_date:
            raise InvalidInput(
                f"the result cannot be received ({received_on.isoformat()}) before sampling "
                f"({result.sampling_date.isoformat()})",
                code="receipt_before_sampling",
            )
        if uow.session.get(ResultReceiptRow, task_id) is not None:
            raise Conflict("the receipt is recorded already", code="receipt_already_recorded")
        window = retest.retest_window_end(received_on)
        result.objection_deadline = window.day
        uow.results.save(result)
        uow.session.add(
            ResultReceiptRow(
                task_id=task.id,
                received_on=received_on,
                retest_deadline=window.day,
                deadline_provenance=window.provenance.value,
                recorded_by=actor.actor(),
                recorded_at=utcnow(),
            )
        )
        uow.commit()
    return {
        "task_id": task_id,
        "received_on": received_on,
        "retest_deadline": window.day,
        "deadline_provenance": window.provenance.value,
        "source": retest.WINDOW_SOURCE,
    }


def draw_retest_lab(uow: InspectionUnitOfWork, task_id: str, actor: Principal) -> dict[str, Any]:
    """After a timely objection: a lab other than the first, accredited for the category and
    free of declared conflicts, drawn with ``retest-lab-v2`` from the plan's draw seed (the
    server's seed combined with the revealed contributions, as the draw itself)."""
    with uow:
        task, result = _task_and_result(uow, task_id, actor)
        if result.status is not ResultStatus.OBJECTED:
            raise Conflict("a re-test lab is drawn after an objection", code="no_objection_pending")
        if uow.session.get(RetestLabRow, task_id) is not None:
            raise Conflict("the re-test lab is drawn already", code="retest_lab_already_drawn")
        labs = uow.session.execute(
            select(LabRow.id, LabRow.accredited_categories, LabRow.conflicts).where(  # type: ignore[call-overload]
                LabRow.active.is_(True)  # type: ignore[attr-defined]
            )
        ).all()
        candidates = sorted(
            lab.id
            for lab in labs
            if lab.id != task.lab_id
            and task.product_category in lab.accredited_categories
            and task.enterprise_uscc not in lab.conflicts
        )
        if not candidates:
            raise Conflict(
                "no accredited lab other than the first is eligible for the re-test",
                code="no_eligible_lab",
            )
        draw = uow.session.get(DrawRow, task.draw_id)
        assert draw is not None
        seeds = _seeds(uow.session.connection(), draw.id)
        if seeds["draw_seed"] is None:
            raise Conflict("the draw's contributions do not verify", code="contributions_invalid")
        lab_id = retest.draw_retest_lab_v2(bytes.fromhex(seeds["draw_seed"]), task.id, candidates)
        row = RetestLabRow(
            task_id=task.id,
            lab_id=lab_id,
            first_lab_id=task.lab_id,
            candidates=candidates,
            algorithm=retest.ALGORITHM,
            draw_id=draw.id,
            drawn_by=actor.actor(),
            drawn_at=utcnow(),
        )
        uow.session.add(row)
        uow.commit()
        return retest_lab_doc(row, seeds)


def _seeds(conn: Any, draw_id: str) -> dict[str, Any]:
    """What a verifier needs to recompute the draw seed: the server's seed and its commitment,
    the snapshot hash, the revealed contributions and the draw seed they give."""
    draw, snap = table_of(DrawRow).c, table_of(SnapshotRow).c
    row = conn.execute(
        select(draw.seed_hex, draw.snapshot_id, snap.snapshot_hash, snap.seed_commitment)
        .join(table_of(SnapshotRow), snap.id == draw.snapshot_id)
        .where(draw.id == draw_id)
    ).one()
    record = draw_inputs_views.for_record(conn, row.snapshot_id, row.seed_hex, row.snapshot_hash)
    return {
        "seed": row.seed_hex,
        "seed_commitment": row.seed_commitment,
        "snapshot_hash": row.snapshot_hash,
        "contributions": record.get("contributions", []),
        # no contributions listed (earlier snapshots, none required): the server's seed
        "draw_seed": record["draw_seed"] if record else row.seed_hex,
    }


def retest_lab_doc(row: Any, seeds: dict[str, Any]) -> dict[str, Any]:
    doc = {
        "task_id": row.task_id,
        "lab_id": row.lab_id,
        "first_lab_id": row.first_lab_id,
        "candidates": list(row.candidates),
        "algorithm": row.algorithm,
        "draw_id": row.draw_id,
        "seed": seeds["seed"],
        "seed_commitment": seeds["seed_commitment"],
        "drawn_at": row.drawn_at,
        "source": retest.LAB_SOURCE,
    }
    if row.algorithm != retest.LEGACY_ALGORITHM:
        doc.update(
            snapshot_hash=seeds["snapshot_hash"],
            contributions=seeds["contributions"],
            draw_seed=seeds["draw_seed"],
        )
    return doc


def public_retest_lab(conn: Any, task_id: str, today: date) -> dict[str, Any]:
    """Anyone: the re-test lab draw of a task, with what is needed to recompute it."""
    from services.inspection.service_layer.disclosure_views import revealed_task_ids

    lab = table_of(RetestLabRow).c
    row = conn.execute(select(table_of(RetestLabRow)).where(lab.task_id == task_id)).first()
    if row is None or not revealed_task_ids(conn, [task_id], today):
        raise NotFound(f"no re-test lab drawn for task {task_id}", code="retest_lab_not_found")
    return retest_lab_doc(row, _seeds(conn, row.draw_id))
