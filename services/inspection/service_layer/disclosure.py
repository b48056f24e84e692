"""Time-locked publicity (issue 13): the selection commitment written with each draw and the
recording of sampling, which is what makes a task public. Use cases run inside the caller's
transaction (``commit_selection``, ``ensure_sampling``) or as their own (``record_sampling``)."""

import secrets
from datetime import date, datetime

from services.inspection.adapters.orm import TaskRow
from services.inspection.adapters.orm_disclosure import DrawCommitmentRow, TaskSamplingRow
from services.inspection.domain import selection_commitment as sc
from services.inspection.domain.model import TaskStatus
from services.inspection.service_layer.ports import SamplingWork
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.auth import Principal
from shared.clock import today_in_china, utcnow
from shared.exceptions import Conflict, InvalidInput, NotFound


def commit_selection(uow: InspectionUnitOfWork, draw_id: str, selection: list[dict]) -> str:
    """Commit to the ordered selection of a draw (in the draw's transaction)."""
    key = secrets.token_bytes(sc.KEY_BYTES)
    commitment = sc.commit(selection, key)
    uow.disclosure.add_commitment(
        DrawCommitmentRow(
            draw_id=draw_id,
            scheme=sc.SCHEME,
            selection_commitment=commitment,
            key_hex=key.hex(),
        )
    )
    return commitment


def ensure_sampling(
    uow: SamplingWork, task: TaskRow, sampled_on: date, actor: str, now: datetime
) -> None:
    """Sampling is recorded with (or before) the result; its date is never before the draw
    and, when recorded earlier, the result must name the same date."""
    drawn_on = uow.disclosure.draw_date(task.draw_id)
    if sampled_on < drawn_on:
        raise InvalidInput(
            f"the sampling date {sampled_on.isoformat()} is before the draw "
            f"({drawn_on.isoformat()})",
            code="sampling_before_draw",
            drawn_on=drawn_on.isoformat(),
        )
    known = uow.disclosure.sampling(task.id)
    if known is None:
        uow.disclosure.add_sampling(
            TaskSamplingRow(
                task_id=task.id, sampled_on=sampled_on, recorded_by=actor, recorded_at=now
            )
        )
    elif known.sampled_on != sampled_on:
        raise InvalidInput(
            f"sampling was recorded on {known.sampled_on.isoformat()}, not "
            f"{sampled_on.isoformat()}",
            code="sampling_date_mismatch",
            sampled_on=known.sampled_on.isoformat(),
        )


def record_sampling(
    uow: InspectionUnitOfWork,
    task_id: str,
    sampled_on: date,
    actor: Principal,
    today: date | None = None,
) -> None:
    """The plan's authority records that samples were taken: the task (and its entry of the
    draw's selection) becomes public, and the enterprise sees it."""
    from services.inspection.service_layer.services import _load_plan, require_authority

    today = today or today_in_china()
    if sampled_on > today:
        raise InvalidInput("the sampling date is in the future", code="invalid_sampling_date")
    with uow:
        task = uow.tasks.get(task_id, for_update=True)
        if task is None:
            raise NotFound(f"no task {task_id}", code="task_not_found")
        require_authority(_load_plan(uow, task.plan_id), actor)
        if task.status == TaskStatus.CANCELLED.value:
            raise Conflict(f"task {task_id} is cancelled", code="task_cancelled")
        if uow.disclosure.sampling(task.id) is not None:
            raise Conflict(
                f"sampling of task {task_id} is recorded already", code="sampling_already_recorded"
            )
        ensure_sampling(uow, task, sampled_on, actor.actor(), utcnow())
        uow.commit()
