"""Periodic registry jobs: expire certificates past their date (``python -m ...scheduler``)."""

from sqlalchemy.engine import Engine

from services.registry.config import RegistrySettings
from services.registry.service_layer.services import expire_due
from services.registry.service_layer.unit_of_work import RegistryUnitOfWork
from shared.clock import today_in_china
from shared.scheduler import run_scheduler, until_done


def run_expiry(engine: Engine) -> int:
    return until_done(lambda: expire_due(RegistryUnitOfWork(engine), today_in_china()))


def main() -> None:
    settings = RegistrySettings()
    run_scheduler(
        name="registry-scheduler",
        settings=settings,
        interval=settings.expiry_job_interval_seconds,
        jobs={"expire certificates": run_expiry},
    )


if __name__ == "__main__":
    main()
