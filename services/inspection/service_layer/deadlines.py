"""Recomputing failed results' provisional objection deadlines once an official working-day
table arrives (the plans' publication deadlines: ``plans.refresh_deadlines``).

A deadline the enterprise was told is never shortened (``Result.set_objection_deadline``).
LEGAL REVIEW: confirm that rule (README "Legal periods and working days").
"""

from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.calendar import WorkingCalendar
from shared.clock import CHINA_TZ, as_utc, utcnow
from shared.contracts.inspection import PlanDeadlineChangedV1


def refresh_objection_deadlines(
    uow: InspectionUnitOfWork, calendar: WorkingCalendar, objection_window_days: int
) -> int:
    """Returns how many deadlines moved. Results in their window are few: one transaction."""
    moved = 0
    with uow:
        for task_id in uow.results.provisional_objection_deadlines():
            result = uow.results.get(task_id, for_update=True)
            task = uow.tasks.get(task_id, for_update=True)
            plan = uow.plans.get(task.plan_id) if task else None
            if result is None or task is None or plan is None or not result.objection_deadline:
                continue
            recorded_on = as_utc(result.recorded_at).astimezone(CHINA_TZ).date()
            old_provenance = result.objection_deadline_provenance
            previous = result.set_objection_deadline(recorded_on, objection_window_days, calendar)
            if result.objection_deadline_provenance == old_provenance == "provisional":
                continue  # the year is still provisional: nothing new to say
            uow.results.save(result)
            if previous is None or result.objection_deadline == previous:
                continue
            moved += 1
            change = PlanDeadlineChangedV1(
                plan_id=task.plan_id,
                task_id=task_id,
                authority_level=plan.authority_level.value,
                region_code=plan.region_code,
                deadline_kind="objection",
                previous_deadline=previous,
                new_deadline=result.objection_deadline,
                previous_provenance=old_provenance,
                new_provenance=str(result.objection_deadline_provenance),
                calendar_version=str(result.objection_calendar_version),
            )
            uow.plans.record_deadline_change(change, utcnow())
            uow.emit(change, subject=task.enterprise_uscc)
        uow.commit()
    return moved
