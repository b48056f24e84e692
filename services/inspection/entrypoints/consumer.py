"""The inspection service's consumer of credit and registry events: ``python -m ...consumer``."""

from services.inspection.adapters.orm import processed_events
from services.inspection.config import InspectionSettings
from services.inspection.service_layer.handlers import TOPICS, make_handler
from shared.consumer import consumer_main


def main() -> None:
    consumer_main(
        name="inspection-consumer",
        settings=InspectionSettings(),
        topics=TOPICS,
        processed_table=processed_events,
        make_handler=make_handler,
    )


if __name__ == "__main__":
    main()
