"""Periodic registry jobs: expire certificates past their date (``python -m ...scheduler``)."""

import logging

from sqlalchemy.engine import Engine

from services.registry.config import RegistrySettings
from services.registry.service_layer.services import expire_due
from services.registry.service_layer.unit_of_work import RegistryUnitOfWork
from shared.clock import today_in_china
from shared.db import make_engine
from shared.observability import configure_logging, serve_metrics
from shared.processes import stop_on_signals

log = logging.getLogger(__name__)


def run_expiry(engine: Engine) -> int:
    total = 0
    while True:  # batches, each its own transaction, until nothing is due
        done = expire_due(RegistryUnitOfWork(engine), today_in_china())
        total += done
        if done == 0:
            return total


def main() -> None:
    settings = RegistrySettings()
    configure_logging("registry-scheduler", settings.log_level, settings.log_json)
    serve_metrics(settings.metrics_port)
    engine = make_engine(settings.database_url)
    stop = stop_on_signals()
    while not stop.is_set():
        try:
            expired = run_expiry(engine)
            if expired:
                log.info("expired %d certificates", expired)
        except Exception:  # noqa: BLE001 - log and try again next round
            log.exception("expiry job failed")
        stop.wait(settings.expiry_job_interval_seconds)


if __name__ == "__main__":
    main()
