"""The inspection outbox relay: ``python -m services.inspection.entrypoints.relay run|replay|purge|status``."""

import argparse
from datetime import timedelta

from services.inspection.adapters.orm import outbox
from services.inspection.config import InspectionSettings
from shared.db import make_engine
from shared.observability import configure_logging
from shared.relay import add_relay_arguments, run_relay_command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="inspection-relay", description=__doc__)
    add_relay_arguments(parser)
    args = parser.parse_args(argv)
    settings = InspectionSettings()
    configure_logging("inspection-relay", settings.log_level, settings.log_json)
    return run_relay_command(
        args,
        service="inspection",
        engine=make_engine(settings.database_url),
        outbox=outbox,
        bootstrap=settings.bootstrap_servers,
        retention=timedelta(days=settings.outbox_retention_days),
        metrics_port=settings.metrics_port,
    )


if __name__ == "__main__":
    raise SystemExit(main())
