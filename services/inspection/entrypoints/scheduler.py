"""Periodic inspection jobs (``python -m services.inspection.entrypoints.scheduler``): failed
results whose objection window passed become final; provisional publication deadlines are
recomputed (and moves announced) once an official table covers their year."""

from sqlalchemy.engine import Engine

from services.inspection.config import InspectionSettings
from services.inspection.entrypoints.api import load_calendar
from services.inspection.service_layer.deadlines import refresh_objection_deadlines
from services.inspection.service_layer.plans import refresh_deadlines
from services.inspection.service_layer.results import finalise_due
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.clock import today_in_china
from shared.scheduler import run_scheduler, until_done


def main() -> None:
    settings = InspectionSettings()
    calendars = load_calendar(settings)

    def finalise(engine: Engine) -> int:
        return until_done(lambda: finalise_due(InspectionUnitOfWork(engine), today_in_china()))

    def deadlines(engine: Engine) -> int:
        # the table directory is re-read when `qp-calendar load` changed it
        return refresh_deadlines(
            InspectionUnitOfWork(engine), calendars.current(), settings.publication_workdays
        )

    def objections(engine: Engine) -> int:
        return refresh_objection_deadlines(
            InspectionUnitOfWork(engine), calendars.current(), settings.objection_window_days
        )

    run_scheduler(
        name="inspection-scheduler",
        settings=settings,
        interval=settings.scheduler_interval_seconds,
        jobs={
            "finalise results": finalise,
            "publication deadlines": deadlines,
            "objection deadlines": objections,
        },
    )


if __name__ == "__main__":
    main()
