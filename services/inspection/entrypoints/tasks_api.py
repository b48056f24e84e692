"""Task routes: a task and its result, recording sampling and results, objection and re-test,
withdrawal."""

from fastapi import APIRouter

from services.inspection.domain.model import FailedItem
from services.inspection.entrypoints import schemas as s
from services.inspection.entrypoints import schemas_disclosure as s_disclosure
from services.inspection.entrypoints import schemas_out as out
from services.inspection.entrypoints.dependencies import Calendar, Settings, Uow
from services.inspection.service_layer import (
    disclosure,
    disclosure_views,
    plan_views,
    results,
    results_procedure,
    task_views,
)
from shared.auth import Role
from shared.clock import today_in_china
from shared.exceptions import NotFound
from shared.web.auth import CurrentPrincipal, Enterprise, Regulator
from shared.web.dependencies import EngineDep
from shared.web.pagination import Cursor, Limit
from shared.web.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["tasks and results"], responses=PROBLEM_RESPONSES)


@router.get(
    "/tasks/{task_id}",
    response_model=out.TaskOut,
    response_model_exclude_unset=True,
    summary="A task with its result",
)
def get_task(task_id: str, actor: CurrentPrincipal, engine: EngineDep) -> dict:
    """Regulators covering the plan's region (full view), or the inspected enterprise (its own
    task; inspectors' names masked). Anyone else: 404."""
    with engine.connect() as conn:
        owner = task_views.task_owner(conn, task_id)
        if owner is not None:
            plan_id, uscc = owner
            if actor.is_regulator and actor.covers_region(
                plan_views.plan_row(conn, plan_id).region_code
            ):
                return task_views.task_view(conn, task_id, internal=True)
            if (
                actor.role is Role.ENTERPRISE
                and actor.uscc == uscc
                and disclosure_views.enterprise_may_see(conn, task_id, today_in_china())
            ):
                return task_views.task_view(conn, task_id, internal=False)
    raise NotFound(f"no task {task_id} of yours", code="task_not_found")


@router.get(
    "/my/tasks",
    response_model=out.TaskPage,
    response_model_exclude_unset=True,
    summary="Your enterprise's tasks",
)
def my_tasks(
    actor: Enterprise, engine: EngineDep, cursor: Cursor = None, limit: Limit = 100
) -> dict:
    """Enterprises: the spot-check tasks and results of their own products, from the moment
    sampling is recorded (checks are not announced in advance)."""
    with engine.connect() as conn:
        return disclosure_views.enterprise_tasks(
            conn, actor.uscc or "", today_in_china(), cursor=cursor, limit=limit
        )


@router.post(
    "/tasks/{task_id}/result",
    response_model=out.TaskOut,
    response_model_exclude_unset=True,
    status_code=201,
    summary="Record a result",
)
def record_result(
    task_id: str,
    body: s.ResultIn,
    actor: Regulator,
    uow: Uow,
    engine: EngineDep,
    settings: Settings,
    calendar: Calendar,
) -> dict:
    """The plan's authority. pass / fail (with failed items) / refused / not_found. A failure is
    provisional through the objection and re-test window (calendar days, a last day on a rest
    day moves to the next working day)."""
    results.record_result(
        uow,
        task_id,
        body.command(),
        actor,
        settings.objection_window_days,
        calendar=calendar,
    )
    with engine.connect() as conn:
        return task_views.task_view(conn, task_id, internal=True)


@router.post(
    "/tasks/{task_id}/sampling",
    response_model=out.TaskOut,
    response_model_exclude_unset=True,
    status_code=201,
    summary="Record sampling",
)
def record_sampling(
    task_id: str, body: s_disclosure.SamplingIn, actor: Regulator, uow: Uow, engine: EngineDep
) -> dict:
    """The plan's authority, once samples were taken (not before the draw, not in the future).
    From then on the task is public: its entry of the draw's selection and the enterprise's
    view. A result recorded without this records the sampling with it."""
    disclosure.record_sampling(uow, task_id, body.sampled_on, actor)
    with engine.connect() as conn:
        return task_views.task_view(conn, task_id, internal=True)


@router.post(
    "/tasks/{task_id}/result/receipt",
    response_model=out.ReceiptOut,
    status_code=201,
    summary="Record receipt",
)
def record_receipt(task_id: str, body: s_disclosure.ReceiptIn, actor: Regulator, uow: Uow) -> dict:
    """The plan's authority: the day the enterprise received a failed result. The re-test
    window becomes 15 days from receipt (Civil Code counting); 422 receipt_before_sampling."""
    return results_procedure.record_receipt(uow, task_id, body.received_on, actor)


@router.post(
    "/tasks/{task_id}/result/retest-lab",
    response_model=out.RetestLabOut,
    status_code=201,
    summary="Draw the re-test lab",
)
def draw_retest_lab(task_id: str, actor: Regulator, uow: Uow) -> dict:
    """The plan's authority, after an objection: a lab other than the first, drawn verifiably
    from the plan's draw seed (``retest-lab-v2``, see ``domain/retest.py``)."""
    return results_procedure.draw_retest_lab(uow, task_id, actor)


@router.post(
    "/tasks/{task_id}/result/objection",
    response_model=out.TaskOut,
    response_model_exclude_unset=True,
    summary="Object to a failed result",
)
def object_to_result(
    task_id: str, body: s.ReasonIn, actor: Enterprise, uow: Uow, engine: EngineDep
) -> dict:
    """The inspected enterprise, within the objection window of a provisional failure."""
    results.object_to_result(uow, task_id, body.reason, actor)
    with engine.connect() as conn:
        return task_views.task_view(conn, task_id, internal=False)


@router.post(
    "/tasks/{task_id}/result/retest",
    response_model=out.TaskOut,
    response_model_exclude_unset=True,
    summary="Record the re-test result",
)
def record_retest(
    task_id: str, body: s.RetestIn, actor: Regulator, uow: Uow, engine: EngineDep
) -> dict:
    """The plan's authority, after an objection. The re-test result is final."""
    items = [FailedItem(**f.model_dump()) for f in body.failed_items]
    results.record_retest(uow, task_id, body.outcome, items, actor)
    with engine.connect() as conn:
        return task_views.task_view(conn, task_id, internal=True)


@router.post(
    "/tasks/{task_id}/cancel",
    response_model=out.TaskOut,
    response_model_exclude_unset=True,
    summary="Withdraw a task without result",
)
def cancel_task(
    task_id: str, body: s.ReasonIn, actor: Regulator, uow: Uow, engine: EngineDep
) -> dict:
    """The plan's authority, with a reason (e.g. the enterprise closed down). Frees the unit."""
    results.cancel_task(uow, task_id, body.reason, actor)
    with engine.connect() as conn:
        return task_views.task_view(conn, task_id, internal=True)
