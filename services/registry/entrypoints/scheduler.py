"""Periodic registry jobs (``python -m ...scheduler``): expire certificates past their date,
act on suspensions past their maximum, end certificates of withdrawn bodies not transferred."""

from sqlalchemy.engine import Engine

from services.registry.config import RegistrySettings
from services.registry.domain.lifecycle_rules import LifecycleRules
from services.registry.service_layer.labs import expire_labs
from services.registry.service_layer.lifecycle import (
    end_certificates_of_withdrawn_bodies,
    enforce_suspension_limits,
)
from services.registry.service_layer.services import expire_due
from services.registry.service_layer.unit_of_work import RegistryUnitOfWork
from shared.clock import today_in_china
from shared.scheduler import run_scheduler, until_done


def run_expiry(engine: Engine) -> int:
    return until_done(lambda: expire_due(RegistryUnitOfWork(engine), today_in_china()))


def run_suspension_limits(engine: Engine, rules: LifecycleRules) -> int:
    return until_done(
        lambda: enforce_suspension_limits(RegistryUnitOfWork(engine), rules, today_in_china())
    )


def run_withdrawn_bodies(engine: Engine, rules: LifecycleRules) -> int:
    return until_done(
        lambda: end_certificates_of_withdrawn_bodies(RegistryUnitOfWork(engine), rules)
    )


def main() -> None:
    settings = RegistrySettings()
    run_scheduler(
        name="registry-scheduler",
        settings=settings,
        interval=settings.expiry_job_interval_seconds,
        jobs={
            "expire certificates": run_expiry,
            "suspension limits": lambda e: run_suspension_limits(e, settings.lifecycle_rules),
            "withdrawn bodies": lambda e: run_withdrawn_bodies(e, settings.lifecycle_rules),
            "expire labs": lambda e: until_done(
                lambda: expire_labs(RegistryUnitOfWork(e), today_in_china())
            ),
        },
    )


if __name__ == "__main__":
    main()
