"""Inspection settings: environment variables prefixed ``INSPECTION_``."""

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

SERVICE_DIR = Path(__file__).parent


class InspectionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INSPECTION_", extra="ignore")

    service_name: str = "inspection"
    database_url: str = "sqlite:///var/inspection.db"
    port: int = 8002
    # Official working-day tables loaded with `qp-calendar load` (shared.calendar.tables).
    # Years without one are computed provisionally and recomputed when a table arrives.
    calendar_tables_dir: Path | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "INSPECTION_CALENDAR_TABLES_DIR", "CALENDAR_TABLES_DIR", "calendar_tables_dir"
        ),
    )
    # Legacy: one JSON file of tables (shared.workdays.WorkdayCalendar.from_file).
    workday_calendar_file: Path | None = None
    # Objection and re-test window for failed results, in calendar days from recording.
    objection_window_days: int = 15
    # Working days after the check's end within which final results must be published.
    publication_workdays: int = 20
    # Largest CSV upload accepted by the bulk imports.
    max_import_bytes: int = 20_000_000
    scheduler_interval_seconds: float = 600
    # Which running claims block which levels' draws (services.inspection.domain.hierarchy).
    hierarchy_policy: Literal["law-2018", "strict-any-claim"] = "law-2018"
    # Contributions to a draw's randomness that parties other than the plan's authority
    # (supervising officials, public observers) must commit before a freeze and reveal before
    # the draw (issue 13; docs/draw-spec.md section 6). 0 draws on the server's seed alone.
    draw_contributions_required: int = Field(default=2, ge=0, le=20)
