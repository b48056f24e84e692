"""The registry's consumer of credit events (joint punishment): ``python -m ...consumer``."""

from services.registry.adapters.orm import processed_events
from services.registry.config import RegistrySettings
from services.registry.service_layer.handlers import TOPICS, make_handler
from shared.consumer import run_consumer_process
from shared.db import make_engine
from shared.observability import configure_logging

NAME = "registry-consumer"


def main() -> None:
    settings = RegistrySettings()
    configure_logging(NAME, settings.log_level, settings.log_json)
    engine = make_engine(settings.database_url)
    run_consumer_process(
        name=NAME,
        topics=TOPICS,
        engine=engine,
        processed_table=processed_events,
        handler=make_handler(
            engine, suspend_existing=settings.suspend_certificates_of_listed_holders
        ),
        bootstrap=settings.bootstrap_servers,
        metrics_port=settings.metrics_port,
    )


if __name__ == "__main__":
    main()
