"""The credit outbox relay: ``python -m services.credit.entrypoints.relay run|replay|purge|status``."""

import argparse
from datetime import timedelta

from services.credit.adapters.orm import outbox
from services.credit.config import CreditSettings
from shared.db import make_engine
from shared.observability import configure_logging
from shared.relay import add_relay_arguments, run_relay_command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="credit-relay", description=__doc__)
    add_relay_arguments(parser)
    args = parser.parse_args(argv)
    settings = CreditSettings()
    configure_logging("credit-relay", settings.log_level, settings.log_json)
    return run_relay_command(
        args,
        service="credit",
        engine=make_engine(settings.database_url),
        outbox=outbox,
        bootstrap=settings.bootstrap_servers,
        retention=timedelta(days=settings.outbox_retention_days),
        metrics_port=settings.metrics_port,
    )


if __name__ == "__main__":
    raise SystemExit(main())
