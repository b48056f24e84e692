"""The credit service's consumer of inspection and registry events: ``python -m ...consumer``."""

from services.credit.adapters.orm import processed_events
from services.credit.config import CreditSettings
from services.credit.service_layer.handlers import TOPICS, make_handler
from shared.consumer import run_consumer_process
from shared.db import make_engine
from shared.observability import configure_logging

NAME = "credit-consumer"


def main() -> None:
    settings = CreditSettings()
    configure_logging(NAME, settings.log_level, settings.log_json)
    engine = make_engine(settings.database_url)
    run_consumer_process(
        name=NAME,
        topics=TOPICS,
        engine=engine,
        processed_table=processed_events,
        handler=make_handler(engine, settings.policy),
        bootstrap=settings.bootstrap_servers,
        metrics_port=settings.metrics_port,
    )


if __name__ == "__main__":
    main()
