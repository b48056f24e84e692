"""The inspection service's consumer of credit and registry events: ``python -m ...consumer``."""

from services.inspection.adapters.orm import processed_events
from services.inspection.config import InspectionSettings
from services.inspection.service_layer.handlers import TOPICS, make_handler
from shared.consumer import run_consumer_process
from shared.db import make_engine
from shared.observability import configure_logging

NAME = "inspection-consumer"


def main() -> None:
    settings = InspectionSettings()
    configure_logging(NAME, settings.log_level, settings.log_json)
    engine = make_engine(settings.database_url)
    run_consumer_process(
        name=NAME,
        topics=TOPICS,
        engine=engine,
        processed_table=processed_events,
        handler=make_handler(engine),
        bootstrap=settings.bootstrap_servers,
        metrics_port=settings.metrics_port,
    )


if __name__ == "__main__":
    main()
