"""Compatibility layer: the older working-day API, now served by ``shared.calendar``.

New code should use ``shared.periods`` (periods with provenance) and ``shared.calendar``.
Years without official data are no longer refused: they are computed provisionally.
"""

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from shared.calendar import DEFAULT_CALENDAR as _DEFAULT
from shared.calendar import Provenance, WorkingCalendar, YearSchedule
from shared.exceptions import InvalidInput


class CalendarNotCovered(InvalidInput):
    """Kept for callers that still catch it; the calendar no longer raises it."""

    code = "calendar_year_not_covered"
    title = "Working-day calendar does not cover this year"


@dataclass(frozen=True)
class YearTable:
    """One year's official schedule: extra days off and make-up working days (weekends)."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    makeup_workdays: frozenset[date] = field(default_factory=frozenset)


class WorkdayCalendar(WorkingCalendar):
    def __init__(
        self,
        extra_years: dict[int, YearTable] | None = None,
        tables: tuple[YearSchedule, ...] = (),
    ) -> None:
        configured = [
            YearSchedule(
                year=year,
                holidays=table.holidays,
                makeup_workdays=table.makeup_workdays,
                provenance=Provenance.OFFICIAL,
                version=f"official:configured-{year}",
            )
            for year, table in (extra_years or {}).items()
        ]
        super().__init__([*tables, *configured])

    @classmethod
    def from_file(cls, path: Path) -> "WorkdayCalendar":
        """Legacy JSON: {"2027": {"holidays": ["2027-01-01", ...], "makeup_workdays": [...]}}."""
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
        return self.is_working_day(day)

    def add_workdays(self, start: date, days: int) -> date:
        """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
        from shared.periods import add_working_days

        return add_working_days(start, days, self).day

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in (start, end]."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            count += self.is_working_day(current)
        return count


DEFAULT_CALENDAR = WorkdayCalendar(tables=tuple(_DEFAULT.tables.values()))
