"""The inspection outbox relay: ``python -m services.inspection.entrypoints.relay run|replay|purge|status``."""

from services.inspection.adapters.orm import outbox
from services.inspection.config import InspectionSettings
from shared.relay import relay_main


def main(argv: list[str] | None = None) -> int:
    return relay_main(
        service="inspection",
        settings=InspectionSettings(),
        outbox=outbox,
        argv=argv,
        description=__doc__,
    )


if __name__ == "__main__":
    raise SystemExit(main())
