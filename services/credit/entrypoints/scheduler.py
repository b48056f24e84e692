"""Periodic credit jobs (``python -m services.credit.entrypoints.scheduler``):

- withdraw records whose publication period is over (withdrawal entries in the feed);
- remove listings whose term is over (measures lifted, events emitted);
- regrade enterprises graded under an older rule table after a new one is deployed;
- purge the profile change log (it only serves cache polling);
- make provisional objection deadlines and publication ends official once their year's
  table is loaded.

Each batch is its own transaction; a grade that changes emits its event.
"""

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial

from sqlalchemy.engine import Engine

from services.credit.adapters.orm import ProfileChangeRow
from services.credit.config import CreditSettings
from services.credit.service_layer import jobs
from services.credit.service_layer.deadlines import (
    refresh_objection_deadlines,
    refresh_publication_ends,
)
from services.credit.service_layer.unit_of_work import CreditUnitOfWork
from shared.clock import today_in_china, utcnow
from shared.db import table_of
from shared.scheduler import run_scheduler, until_done

Job = Callable[[CreditUnitOfWork, date], int]
JOBS: dict[str, Job] = {
    "publication_periods": jobs.end_publication_periods,
    "listing_terms": jobs.end_listing_terms,
    "regrade": jobs.regrade_stale,
}


def run_job(engine: Engine, job: Job, today: date) -> int:
    return until_done(lambda: job(CreditUnitOfWork(engine), today))


def _run_today(engine: Engine, *, job: Job) -> int:
    return run_job(engine, job, today_in_china())


def run_all(engine: Engine, today: date) -> dict[str, int]:
    return {name: run_job(engine, job, today) for name, job in JOBS.items()}


def purge_profile_changes(engine: Engine, keep: timedelta = timedelta(days=7)) -> int:
    """The profile change log only serves cache polling (seconds behind): keep a week."""
    table = table_of(ProfileChangeRow)
    with engine.begin() as conn:
        return conn.execute(table.delete().where(table.c.occurred_at < utcnow() - keep)).rowcount


def main() -> None:
    settings = CreditSettings()
    scheduled: dict[str, Callable[[Engine], int]] = {
        name: partial(_run_today, job=job) for name, job in JOBS.items()
    }
    scheduled["purge profile change log"] = purge_profile_changes
    # provisional objection deadlines become official once `qp-calendar load` added the table
    scheduled["objection deadlines"] = lambda engine: refresh_objection_deadlines(
        CreditUnitOfWork(engine), today_in_china(), settings.policy
    )
    # and so do records' publication ends counted in working days (spot_check_corrected)
    scheduled["publication ends"] = lambda engine: refresh_publication_ends(
        CreditUnitOfWork(engine), today_in_china(), settings.policy
    )
    run_scheduler(
        name="credit-scheduler",
        settings=settings,
        interval=settings.scheduler_interval_seconds,
        jobs=scheduled,
    )


if __name__ == "__main__":
    main()
