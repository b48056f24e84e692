"""Bring the inspection database to the latest schema: ``python -m services.inspection.entrypoints.migrate``."""

from services.inspection.config import SERVICE_DIR, InspectionSettings
from shared.migrations import upgrade


def main() -> None:
    upgrade(SERVICE_DIR, InspectionSettings().database_url)


if __name__ == "__main__":
    main()
