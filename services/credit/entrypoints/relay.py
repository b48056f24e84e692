"""The credit outbox relay: ``python -m services.credit.entrypoints.relay run|replay|purge|status``."""

from services.credit.adapters.orm import outbox
from services.credit.config import CreditSettings
from shared.relay import relay_main


def main(argv: list[str] | None = None) -> int:
    return relay_main(
        service="credit", settings=CreditSettings(), outbox=outbox, argv=argv, description=__doc__
    )


if __name__ == "__main__":
    raise SystemExit(main())
