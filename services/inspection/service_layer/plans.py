"""Plans and the eligibility policy: creating a plan, its publication deadline, new policy versions."""

import uuid
from datetime import date

from services.inspection.domain.model import (
    Plan,
)
from services.inspection.domain.policy import EligibilityPolicy
from services.inspection.service_layer.commands import CreatePlan
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.auth import AuthorityLevel, Principal
from shared.calendar import WorkingCalendar
from shared.clock import utcnow
from shared.contracts.inspection import (
    PlanDeadlineChangedV1,
)
from shared.exceptions import Forbidden
from shared.periods import Dated, add_working_days


def add_policy(uow: InspectionUnitOfWork, doc: dict, effective_from: date, actor: Principal) -> int:
    """A new version of the eligibility policy (national regulators only)."""
    if actor.authority_level is not AuthorityLevel.NATIONAL:
        raise Forbidden(
            "only the national authority sets the eligibility policy", code="national_only"
        )
    with uow:
        version = uow.policies.latest_version() + 1
        policy = EligibilityPolicy.from_doc({**doc, "version": version})
        uow.policies.add(policy, effective_from, actor.actor())
        uow.commit()
    return version


def publication_deadline(calendar: WorkingCalendar, period_end: date, workdays: int) -> Dated:
    """The last day to publish: ``workdays`` working days after the check's end, provisional
    while the calendar year has no official table (never unknown)."""
    return add_working_days(period_end, workdays, calendar)


def create_plan(
    uow: InspectionUnitOfWork,
    cmd: CreatePlan,
    actor: Principal,
    calendar: WorkingCalendar,
    publication_workdays: int,
) -> str:
    if actor.authority_level is None or actor.region_code is None or actor.department is None:
        raise Forbidden("only regulators plan spot checks", code="role_not_allowed")
    deadline = publication_deadline(calendar, cmd.period_end, publication_workdays)
    plan = Plan(
        id=str(uuid.uuid4()),
        name=cmd.name,
        authority_level=actor.authority_level,
        department=actor.department,
        region_code=actor.region_code,
        check_type=cmd.check_type,
        scope=cmd.scope,
        sampling=cmd.sampling,
        team_size=cmd.team_size,
        cross_region_teams=cmd.cross_region_teams,
        inspector_cooldown_days=cmd.inspector_cooldown_days,
        period_start=cmd.period_start,
        period_end=cmd.period_end,
        created_by=actor.actor(),
        publication_deadline=deadline.day,
        joint_departments=cmd.joint_departments,
    )
    with uow:
        uow.plans.add(plan, None)
        uow.plans.set_deadline(plan.id, deadline)
        uow.commit()
    return plan.id


def refresh_deadlines(
    uow: InspectionUnitOfWork, calendar: WorkingCalendar, publication_workdays: int
) -> int:
    """Recompute every deadline not yet resting on official calendar data (provisional, or
    unknown from before provisional years existed). A deadline that moves is recorded and
    announced (``inspection.plan.deadline_changed``); returns how many moved."""
    moved = 0
    with uow:
        for plan, provenance, version in uow.plans.not_official_deadlines():
            new = publication_deadline(calendar, plan.period_end, publication_workdays)
            if (new.day, new.provenance.value, new.calendar_version) == (
                plan.publication_deadline,
                provenance,
                version,
            ):
                continue
            uow.plans.set_deadline(plan.id, new)
            if new.day != plan.publication_deadline:
                moved += 1
                change = PlanDeadlineChangedV1(
                    plan_id=plan.id,
                    authority_level=plan.authority_level.value,
                    region_code=plan.region_code,
                    deadline_kind="publication",
                    previous_deadline=plan.publication_deadline,
                    new_deadline=new.day,
                    previous_provenance=provenance,
                    new_provenance=new.provenance.value,
                    calendar_version=new.calendar_version,
                )
                uow.plans.record_deadline_change(change, utcnow())
                uow.emit(change, subject=plan.id)
        uow.commit()
    return moved
