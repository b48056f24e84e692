"""Periodic inspection jobs (``python -m services.inspection.entrypoints.scheduler``): failed
results whose objection window passed become final; publication deadlines that were unknown
are computed once the working-day calendar covers their year."""

import logging

from sqlalchemy.engine import Engine

from services.inspection.config import InspectionSettings
from services.inspection.entrypoints.api import load_calendar
from services.inspection.service_layer.services import finalise_due, refresh_deadlines
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.clock import today_in_china
from shared.db import make_engine
from shared.observability import configure_logging, serve_metrics
from shared.processes import stop_on_signals

log = logging.getLogger(__name__)


def run_jobs(engine: Engine, settings: InspectionSettings) -> tuple[int, int]:
    finalised = 0
    while True:  # batches, each its own transaction, until nothing is due
        done = finalise_due(InspectionUnitOfWork(engine), today_in_china())
        finalised += done
        if done == 0:
            break
    deadlines = refresh_deadlines(
        InspectionUnitOfWork(engine), load_calendar(settings), settings.publication_workdays
    )
    return finalised, deadlines


def main() -> None:
    settings = InspectionSettings()
    configure_logging("inspection-scheduler", settings.log_level, settings.log_json)
    serve_metrics(settings.metrics_port)
    engine = make_engine(settings.database_url)
    stop = stop_on_signals()
    while not stop.is_set():
        try:
            finalised, deadlines = run_jobs(engine, settings)
            if finalised or deadlines:
                log.info("finalised %d results, computed %d deadlines", finalised, deadlines)
        except Exception:  # noqa: BLE001 - log and try again next round
            log.exception("inspection jobs failed")
        stop.wait(settings.scheduler_interval_seconds)


if __name__ == "__main__":
    main()
