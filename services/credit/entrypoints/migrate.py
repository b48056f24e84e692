"""Bring the credit database to the latest schema: ``python -m services.credit.entrypoints.migrate``."""

from services.credit.config import SERVICE_DIR, CreditSettings
from shared.migrations import upgrade


def main() -> None:
    upgrade(SERVICE_DIR, CreditSettings().database_url)


if __name__ == "__main__":
    main()
