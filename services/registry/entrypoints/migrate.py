"""Bring the registry database to the latest schema: ``python -m services.registry.entrypoints.migrate``."""

from services.registry.config import SERVICE_DIR, RegistrySettings
from shared.migrations import upgrade


def main() -> None:
    upgrade(SERVICE_DIR, RegistrySettings().database_url)


if __name__ == "__main__":
    main()
