"""Inspection settings: environment variables prefixed ``INSPECTION_``."""

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

SERVICE_DIR = Path(__file__).parent


class InspectionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INSPECTION_", extra="ignore")

    service_name: str = "inspection"
    database_url: str = "sqlite:///var/inspection.db"
    port: int = 8002
    # Working-day tables for years chinese-calendar does not cover yet (JSON, see
    # shared.workdays.WorkdayCalendar.from_file). Without one, deadlines in such years are
    # reported as unknown instead of being guessed.
    workday_calendar_file: Path | None = None
    # Objection and re-test window for failed results, in calendar days from recording.
    objection_window_days: int = 15
    # Working days after the check's end within which final results must be published.
    publication_workdays: int = 20
    # Largest CSV upload accepted by the bulk imports.
    max_import_bytes: int = 20_000_000
    scheduler_interval_seconds: float = 600
