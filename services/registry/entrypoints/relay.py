"""The registry outbox relay: ``python -m services.registry.entrypoints.relay run|replay|purge|status``."""

from services.registry.adapters.orm import outbox
from services.registry.config import RegistrySettings
from shared.relay import relay_main


def main(argv: list[str] | None = None) -> int:
    return relay_main(
        service="registry",
        settings=RegistrySettings(),
        outbox=outbox,
        argv=argv,
        description=__doc__,
    )


if __name__ == "__main__":
    raise SystemExit(main())
