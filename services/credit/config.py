"""Credit settings: environment variables prefixed ``CREDIT_``."""

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from services.credit.domain.periods import Period, Unit
from services.credit.domain.rules import DEFAULT_RULES, ruleset
from services.credit.service_layer.policy import Policy
from shared.calendar.source import CalendarSource
from shared.settings import ServiceSettings
from shared.workdays import LiveWorkdayCalendar, WorkdayCalendar

SERVICE_DIR = Path(__file__).parent


class CreditSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CREDIT_", extra="ignore")

    service_name: str = "credit"
    database_url: str = "sqlite:///var/credit.db"
    port: int = 8003
    # How stale another replica's profile cache may be: the change-log poll interval.
    cache_refresh_seconds: float = 0.5
    # Memory bound of the public profile cache in MB (an estimate per entry); 0 disables it.
    cache_mb: float = 128.0
    scheduler_interval_seconds: float = 3600
    # Due process: how long an enterprise may object to a proposed listing.
    objection_window_length: int = Field(default=15, ge=1, le=90)
    objection_window_unit: Literal["days", "workdays"] = "days"
    # Official working-day tables loaded with `qp-calendar load` (shared.calendar.tables);
    # years without one are computed provisionally (shared.periods).
    calendar_tables_dir: Path | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "CREDIT_CALENDAR_TABLES_DIR", "CALENDAR_TABLES_DIR", "calendar_tables_dir"
        ),
    )
    # Legacy: official schedules as JSON {"2027": {"holidays": [...], "makeup_workdays": [...]}}.
    workday_calendar_file: Path | None = None
    # The legal rule set decisions apply (services/credit/domain/rules.py); default national.
    rule_version: str = DEFAULT_RULES.version

    @cached_property
    def calendar_source(self) -> CalendarSource:
        legacy = (
            WorkdayCalendar.from_file(self.workday_calendar_file).tables.values()
            if self.workday_calendar_file
            else ()
        )
        return CalendarSource(self.calendar_tables_dir, tuple(legacy))

    @cached_property
    def policy(self) -> Policy:
        workdays = LiveWorkdayCalendar(self.calendar_source)
        return Policy(
            workdays=workdays,
            objection_window=Period(self.objection_window_length, Unit(self.objection_window_unit)),
            rules=ruleset(self.rule_version),
        )
