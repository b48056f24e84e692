"""The registry's consumer of credit events (joint punishment): ``python -m ...consumer``."""

from services.registry.adapters.orm import processed_events
from services.registry.config import RegistrySettings
from services.registry.service_layer.handlers import TOPICS, make_handler
from shared.consumer import consumer_main


def main() -> None:
    settings = RegistrySettings()
    consumer_main(
        name="registry-consumer",
        settings=settings,
        topics=TOPICS,
        processed_table=processed_events,
        make_handler=lambda engine: make_handler(
            engine, suspend_existing=settings.suspend_certificates_of_listed_holders
        ),
    )


if __name__ == "__main__":
    main()
