"""Periodic credit jobs (``python -m services.credit.entrypoints.scheduler``):

- withdraw records whose publication period is over (withdrawal entries in the feed);
- remove listings whose term is over (measures lifted, events emitted);
- regrade enterprises graded under an older rule table after a new one is deployed;
- purge the profile change log (it only serves cache polling).

Each batch is its own transaction; a grade that changes emits its event.
"""

import logging
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy.engine import Engine

from services.credit.adapters.orm import ProfileChangeRow
from services.credit.config import CreditSettings
from services.credit.service_layer import services
from services.credit.service_layer.unit_of_work import CreditUnitOfWork
from shared.clock import today_in_china, utcnow
from shared.db import make_engine, table_of
from shared.observability import configure_logging, serve_metrics
from shared.processes import stop_on_signals

log = logging.getLogger(__name__)

Job = Callable[[CreditUnitOfWork, date], int]
JOBS: dict[str, Job] = {
    "publication_periods": services.end_publication_periods,
    "listing_terms": services.end_listing_terms,
    "regrade": services.regrade_stale,
}


def run_job(engine: Engine, job: Job, today: date) -> int:
    total = 0
    while True:  # batches, each its own transaction, until nothing is due
        done = job(CreditUnitOfWork(engine), today)
        total += done
        if done == 0:
            return total


def run_all(engine: Engine, today: date) -> dict[str, int]:
    return {name: run_job(engine, job, today) for name, job in JOBS.items()}


def purge_profile_changes(engine: Engine, keep: timedelta = timedelta(days=7)) -> int:
    """The profile change log only serves cache polling (seconds behind): keep a week."""
    table = table_of(ProfileChangeRow)
    with engine.begin() as conn:
        return conn.execute(table.delete().where(table.c.occurred_at < utcnow() - keep)).rowcount


def main() -> None:
    settings = CreditSettings()
    configure_logging("credit-scheduler", settings.log_level, settings.log_json)
    serve_metrics(settings.metrics_port)
    engine = make_engine(settings.database_url)
    stop = stop_on_signals()
    while not stop.is_set():
        for name, job in JOBS.items():
            try:
                done = run_job(engine, job, today_in_china())
                if done:
                    log.info("%s: %d done", name, done)
            except Exception:  # noqa: BLE001 - log and try again next round
                log.exception("credit job %s failed", name)
        try:
            purge_profile_changes(engine)
        except Exception:  # noqa: BLE001
            log.exception("purging the profile change log failed")
        stop.wait(settings.scheduler_interval_seconds)


if __name__ == "__main__":
    main()
