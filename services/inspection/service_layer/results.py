"""Results: recording, objection and re-test, finalisation, publication and withdrawal of tasks."""

from datetime import date

from services.inspection.adapters.orm import (
    TaskRow,
)
from services.inspection.domain.model import (
    FailedItem,
    Outcome,
    Plan,
    Result,
    ResultStatus,
    TaskStatus,
)
from services.inspection.domain.transparency import Kind
from services.inspection.service_layer import (
    draw_inputs,
    hierarchy_ops,
    publication_deadlines,
)
from services.inspection.service_layer.commands import RecordResult
from services.inspection.service_layer.disclosure import ensure_sampling
from services.inspection.service_layer.ports import ResultWork
from services.inspection.service_layer.services import _load_plan, _load_task, require_authority
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.auth import Principal, Role
from shared.calendar import WorkingCalendar
from shared.clock import today_in_china, utcnow
from shared.contracts.inspection import (
    FailedItemV1,
    ResultFinalisedV2,
    ResultPublishedV2,
    ResultRecordedV1,
)
from shared.exceptions import Conflict, InvalidInput, NotFound


def record_result(
    uow: ResultWork,
    task_id: str,
    cmd: RecordResult,
    actor: Principal,
    objection_window_days: int,
    today: date | None = None,
    calendar: WorkingCalendar | None = None,
) -> None:
    today = today or today_in_china()
    with uow:
        task = _load_task(uow, task_id)
        plan = _load_plan(uow, task.plan_id)
        require_authority(plan, actor)
        if task.status != TaskStatus.ASSIGNED.value:
            raise Conflict(
                f"task {task_id} is {task.status}; a result is recorded once",
                code="result_already_recorded" if task.status != "cancelled" else "task_cancelled",
                task_status=task.status,
            )
        now = utcnow()
        ensure_sampling(uow, task, cmd.sampling_date, actor.actor(), now)
        result = Result.record(
            task_id=task_id,
            outcome=cmd.outcome,
            failed_items=cmd.failed_items,
            sampling_date=cmd.sampling_date,
            today=today,
            objection_window_days=objection_window_days,
            actor=actor.actor(),
            at=now,
            calendar=calendar,
        )
        uow.results.add(result)
        unit = uow.rosters.unit(task.unit_id) or {}
        uow.emit(
            ResultRecordedV1(
                **_result_fields(task, plan, unit, result),
                status=result.status.value,
                objection_deadline=result.objection_deadline,
            ),
            subject=task.enterprise_uscc,
        )
        if result.status is ResultStatus.FINAL:
            _on_final(uow, task, plan, unit, result)
        else:
            uow.tasks.set_status(task.id, TaskStatus.RESULT_RECORDED.value)
        uow.commit()


def _result_fields(task: TaskRow, plan: Plan, unit: dict, result: Result) -> dict:
    return {
        "task_id": task.id,
        "plan_id": plan.id,
        "unit_id": task.unit_id,
        "enterprise_uscc": task.enterprise_uscc,
        "enterprise_name": unit.get("enterprise_name", ""),
        "product_name": unit.get("product_name", ""),
        "model": unit.get("model", ""),
        "authority_level": plan.authority_level.value,
        "region_code": plan.region_code,
        "check_type": plan.check_type.value,
        "outcome": result.outcome.value,
        "failed_items": [FailedItemV1(**f.__dict__) for f in result.failed_items],
        "sampling_date": result.sampling_date,
    }


def _on_final(uow: ResultWork, task: TaskRow, plan: Plan, unit: dict, result: Result) -> None:
    """A final result ends the running check: the claim goes, the check enters the history
    the six-month rule reads, and the result waits for publication."""
    uow.tasks.release_claim(task.id)
    uow.tasks.set_status(task.id, TaskStatus.FINAL.value)
    uow.results.add_check_record(task, plan, result, unit)
    assert result.finalised_at is not None
    if isinstance(uow, InspectionUnitOfWork):  # per-result publication deadline (fakes have none)
        publication_deadlines.set_deadline(uow, task.id, result.finalised_at)
    uow.emit(
        ResultFinalisedV2(
            **_result_fields(task, plan, unit, result),
            product_category=unit.get("product_category"),
            finalised_at=result.finalised_at,
            retested=result.retested,
        ),
        subject=task.enterprise_uscc,
    )


def object_to_result(
    uow: InspectionUnitOfWork,
    task_id: str,
    reason: str,
    actor: Principal,
    today: date | None = None,
) -> None:
    """The inspected enterprise objects to a failure within its window (asks for a re-test)."""
    today = today or today_in_china()
    with uow:
        task = uow.tasks.get(task_id, for_update=True)
        if task is None or actor.role is not Role.ENTERPRISE or actor.uscc != task.enterprise_uscc:
            raise NotFound(f"no task {task_id} of yours", code="task_not_found")
        result = uow.results.get(task_id, for_update=True)
        if result is None:
            raise Conflict("no result has been recorded yet", code="no_result")
        result.object(reason, today, utcnow())
        uow.results.save(result)
        uow.commit()


def record_retest(
    uow: InspectionUnitOfWork,
    task_id: str,
    outcome: Outcome,
    failed_items: list[FailedItem],
    actor: Principal,
) -> None:
    with uow:
        task = _load_task(uow, task_id)
        plan = _load_plan(uow, task.plan_id)
        require_authority(plan, actor)
        result = uow.results.get(task_id, for_update=True)
        if result is None:
            raise Conflict("no result has been recorded yet", code="no_result")
        result.record_retest(outcome, failed_items, actor.actor(), utcnow())
        uow.results.save(result)
        _on_final(uow, task, plan, uow.rosters.unit(task.unit_id) or {}, result)
        uow.commit()


def finalise_due(uow: InspectionUnitOfWork, today: date, batch_size: int = 500) -> int:
    """The scheduled job: failures whose objection window passed unused become final."""
    with uow:
        done = 0
        for task_id in uow.results.due_for_finalisation(today, batch_size):
            result = uow.results.get(task_id, for_update=True)
            task = uow.tasks.get(task_id, for_update=True)
            if result is None or task is None or not result.finalise_if_due(today, utcnow()):
                continue
            uow.results.save(result)
            plan = _load_plan(uow, task.plan_id)
            _on_final(uow, task, plan, uow.rosters.unit(task.unit_id) or {}, result)
            done += 1
        uow.commit()
    return done


def publish_results(uow: InspectionUnitOfWork, plan_id: str, actor: Principal) -> int:
    """Publish ("一公开") every final, unpublished result of the plan."""
    with uow:
        plan = _load_plan(uow, plan_id, for_update=True)
        require_authority(plan, actor)
        task_ids = uow.tasks.publishable(plan.id)
        if not task_ids:
            raise Conflict("no final result waits for publication", code="nothing_to_publish")
        now = utcnow()
        for task_id in task_ids:
            task = uow.tasks.get(task_id)
            result = uow.results.get(task_id)
            assert task is not None and result is not None
            uow.tasks.set_status(task_id, TaskStatus.PUBLISHED.value, published_at=now)
            unit = uow.rosters.unit(task.unit_id) or {}
            uow.emit(
                ResultPublishedV2(
                    **_result_fields(task, plan, unit, result),
                    product_category=unit.get("product_category"),
                    published_at=now,
                    publication_deadline=plan.publication_deadline,
                ),
                subject=task.enterprise_uscc,
            )
        uow.commit()
    return len(task_ids)


def cancel_task(uow: InspectionUnitOfWork, task_id: str, reason: str, actor: Principal) -> None:
    """Withdraw a task without result (e.g. the enterprise closed down); frees the unit."""
    if not reason.strip():
        raise InvalidInput("cancelling a task needs a reason", code="reason_required")
    with uow:
        task = _load_task(uow, task_id)
        plan = _load_plan(uow, task.plan_id)
        require_authority(plan, actor)
        if task.status != TaskStatus.ASSIGNED.value:
            raise Conflict(
                f"task {task_id} is {task.status}",
                code="task_not_cancellable",
                task_status=task.status,
            )
        task.status = TaskStatus.CANCELLED.value
        task.cancel_reason = reason.strip()
        uow.tasks.release_claim(task.id)
        hierarchy_ops.log_withdrawal(uow, task, plan, task.cancel_reason)
        draw_inputs.log(
            uow,
            Kind.TASK_CANCELLED,
            task.id,
            {
                "task_id": task.id,
                "draw_id": task.draw_id,
                "plan_id": task.plan_id,
                # the reason may name the enterprise: it is public with the task (claim events)
            },
        )
        uow.commit()
