"""The Chinese working-day calendar: official tables, else a provisional computation."""

from shared.calendar.schedule import (
    DEFAULT_CALENDAR,
    DayStatus,
    Provenance,
    WorkingCalendar,
    YearSchedule,
)

__all__ = ["DEFAULT_CALENDAR", "DayStatus", "Provenance", "WorkingCalendar", "YearSchedule"]
