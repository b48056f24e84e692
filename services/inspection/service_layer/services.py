"""What every use case starts with: who may manage a plan, and loading a plan or a task (404 when
missing). The use cases live by what they do: ``rosters``, ``plans``, ``snapshots`` (the freeze),
``draws``, ``results`` and ``enterprise_facts``; each is one transaction (``with uow: ... commit``)."""

from services.inspection.adapters.orm import (
    TaskRow,
)
from services.inspection.domain.model import (
    Plan,
)
from services.inspection.service_layer.ports import PlanWork, ResultWork
from shared.auth import Principal
from shared.exceptions import Forbidden, NotFound


def require_authority(plan: Plan, actor: Principal) -> None:
    """Plans, draws and results are managed by the plan's own authority: a regulator of the
    same level and department whose jurisdiction covers the plan's region."""
    if (
        not actor.is_regulator
        or actor.authority_level is not plan.authority_level
        or actor.department != plan.department
        or not actor.covers_region(plan.region_code)
    ):
        raise Forbidden(
            f"plan {plan.id} belongs to the {plan.authority_level.value} authority "
            f"{plan.department} of region {plan.region_code}",
            code="not_plan_authority",
        )


def _load_plan(uow: PlanWork, plan_id: str, *, for_update: bool = False) -> Plan:
    plan = uow.plans.get(plan_id, for_update=for_update)
    if plan is None:
        raise NotFound(f"no plan {plan_id}", code="plan_not_found")
    return plan


def _load_task(uow: ResultWork, task_id: str) -> TaskRow:
    task = uow.tasks.get(task_id, for_update=True)
    if task is None:
        raise NotFound(f"no task {task_id}", code="task_not_found")
    return task
