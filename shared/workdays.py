"""Working-day arithmetic on the Chinese official calendar (public holidays and make-up days).

Uses the maintained ``chinese-calendar`` package for the years it covers. Years it does not
cover must be supplied as a configured table (the State Council publishes each year's schedule
in November or December); otherwise the computation fails loudly instead of guessing.
"""

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar

from shared.exceptions import InvalidInput


class CalendarNotCovered(InvalidInput):
    code = "calendar_year_not_covered"
    title = "Working-day calendar does not cover this year"


@dataclass(frozen=True)
class YearTable:
    """One year's official schedule: extra days off and make-up working days (weekends)."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    makeup_workdays: frozenset[date] = field(default_factory=frozenset)


class WorkdayCalendar:
    def __init__(self, extra_years: dict[int, YearTable] | None = None) -> None:
        self.extra_years = extra_years or {}

    @classmethod
    def from_file(cls, path: Path) -> "WorkdayCalendar":
        """JSON: {"2027": {"holidays": ["2027-01-01", ...], "makeup_workdays": [...]}}."""
        raw = json.loads(path.read_text())
        return cls(
            {
                int(year): YearTable(
                    frozenset(date.fromisoformat(d) for d in spec.get("holidays", [])),
                    frozenset(date.fromisoformat(d) for d in spec.get("makeup_workdays", [])),
                )
                for year, spec in raw.items()
            }
        )

    def is_workday(self, day: date) -> bool:
        table = self.extra_years.get(day.year)
        if table is not None:
            if day in table.makeup_workdays:
                return True
            if day in table.holidays:
                return False
            return day.weekday() < 5
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            raise CalendarNotCovered(
                f"no official working-day schedule is known for {day.year}; configure it",
                year=day.year,
            ) from None

    def add_workdays(self, start: date, days: int) -> date:
        """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        current = start
        remaining = days
        while remaining:
            current += timedelta(days=1)
            if self.is_workday(current):
                remaining -= 1
        return current

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in (start, end]."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            count += self.is_workday(current)
        return count


DEFAULT_CALENDAR = WorkdayCalendar()
