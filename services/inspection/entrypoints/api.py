"""The inspection service's HTTP API: the app, with one router per use case (``public_api``,
``rosters_api``, ``plans_api``, ``tasks_api`` and the issues' own routers)."""

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from services.inspection.adapters.orm import outbox
from services.inspection.config import InspectionSettings
from services.inspection.entrypoints import (
    draw_inputs_api,
    outside_checks_api,
    plans_api,
    public_api,
    publicity_api,
    roster_history_api,
    rosters_api,
    tasks_api,
)
from services.inspection.entrypoints.metrics import OverdueGauge
from services.inspection.entrypoints.openapi_examples import EXAMPLES as OPENAPI_EXAMPLES
from shared.calendar.metrics import CalendarGauge
from shared.calendar.source import CalendarSource
from shared.db import make_engine
from shared.web.app import create_app as create_service_app
from shared.workdays import WorkdayCalendar


def load_calendar(settings: InspectionSettings) -> CalendarSource:
    """Official tables from the table directory (``qp-calendar load``) and the legacy JSON file."""
    legacy = (
        WorkdayCalendar.from_file(settings.workday_calendar_file).tables.values()
        if settings.workday_calendar_file
        else ()
    )
    return CalendarSource(settings.calendar_tables_dir, tuple(legacy))


def create_app(settings: InspectionSettings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or InspectionSettings()
    engine = engine or make_engine(settings.database_url)
    calendars = load_calendar(settings)
    app = create_service_app(
        settings=settings,
        engine=engine,
        outbox=outbox,
        title="Random inspections (双随机、一公开)",
        description="Rosters, spot-check plans, verifiable random draws of units, inspectors and "
        "labs under the six-month no-repeat rule, results and their publication.",
        extra_state={"calendar_source": calendars},
        openapi_examples=OPENAPI_EXAMPLES,
        collectors=(OverdueGauge(engine), CalendarGauge(settings.service_name, calendars)),
        body_limits={
            ("POST", "/rosters/{kind}/import"): settings.max_import_bytes,
            **{("POST", path): settings.max_import_bytes for path in outside_checks_api.PATHS},
        },
    )
    for router in (
        public_api.router,
        publicity_api.router,
        rosters_api.router,
        roster_history_api.router,
        outside_checks_api.router,
        plans_api.router,
        tasks_api.router,
        draw_inputs_api.router,
    ):
        app.include_router(router)
    return app


def main() -> None:
    from shared.web.serve import serve

    serve("services.inspection.entrypoints.api:create_app", InspectionSettings())


if __name__ == "__main__":
    main()
