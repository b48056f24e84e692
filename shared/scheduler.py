"""The body of every service's ``entrypoints/scheduler.py``: periodic jobs until SIGTERM."""

import logging
import uuid
from collections.abc import Callable, Mapping

from sqlalchemy.engine import Engine

from shared.db import is_database_unavailable, make_engine
from shared.observability import OutageLog, configure_logging, request_id_var, serve_metrics
from shared.processes import stop_on_signals
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)

# A job takes the engine and returns how many items it handled.
Job = Callable[[Engine], int]


def until_done(batch: Callable[[], int]) -> int:
    """Run ``batch`` (each call its own transaction) until one handles nothing; the total."""
    total = 0
    while done := batch():
        total += done
    return total


def run_scheduler(
    *, name: str, settings: ServiceSettings, interval: float, jobs: Mapping[str, Job]
) -> None:
    """Run every job each ``interval`` seconds; a failing job is logged and tried next round
    (a database outage once, not per job and round). SIGTERM is honoured between jobs."""
    configure_logging(name, settings.log_level, settings.log_json)
    serve_metrics(settings.metrics_port)
    engine = make_engine(settings.database_url)
    stop = stop_on_signals()
    database = OutageLog(log, f"{name}: database")
    while not stop.is_set():
        for job_name, job in jobs.items():
            if stop.is_set():
                break
            # one correlation id per job run: its log lines and the events it emits share it
            token = request_id_var.set(f"{name}.{job_name}.{uuid.uuid4().hex[:12]}")
            try:
                done = job(engine)
                database.recovered()
                if done:
                    log.info("%s: %d done", job_name, done)
            except Exception as exc:  # noqa: BLE001 - log and try again next round
                if is_database_unavailable(exc):
                    database.failed(exc)
                else:
                    log.exception("%s failed", job_name)
            finally:
                request_id_var.reset(token)
        stop.wait(min(interval, 2) if database.down else interval)
