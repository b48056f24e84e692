"""The credit service's consumer of inspection and registry events: ``python -m ...consumer``."""

from services.credit.adapters.orm import processed_events
from services.credit.config import CreditSettings
from services.credit.service_layer.handlers import TOPICS, make_handler
from shared.consumer import consumer_main


def main() -> None:
    settings = CreditSettings()
    consumer_main(
        name="credit-consumer",
        settings=settings,
        topics=TOPICS,
        processed_table=processed_events,
        make_handler=lambda engine: make_handler(engine, settings.policy),
    )


if __name__ == "__main__":
    main()
