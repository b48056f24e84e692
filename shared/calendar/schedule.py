"""Working-day calendar: official where a table exists, provisional everywhere else.

A year's schedule comes, in this order, from a loaded official table (the State Council's
notice, see ``shared.calendar.tables``), from ``chinese-calendar`` (official data for
2004-2026 at the time of writing), or is computed provisionally from the holiday regulation.
Nothing is ever refused for want of a table; every answer says which kind it rests on.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import cached_property
from importlib.metadata import version

import chinese_calendar

from shared.calendar.provisional import LUNAR_LIBRARY, provisional_holidays
from shared.calendar.regulation import regulation_for

CHINESE_CALENDAR = f"chinesecalendar-{version('chinesecalendar')}"


class Provenance(StrEnum):
    OFFICIAL = "official"
    PROVISIONAL = "provisional"


@dataclass(frozen=True)
class YearSchedule:
    """One year: weekdays off and weekend make-up working days, with where they come from."""

    year: int
    holidays: frozenset[date]
    makeup_workdays: frozenset[date]
    provenance: Provenance
    version: str
    labels: Mapping[date, str] = field(default_factory=dict, compare=False)

    def is_working_day(self, day: date) -> bool:
        if day in self.makeup_workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


@dataclass(frozen=True)
class DayStatus:
    day: date
    working: bool
    provenance: Provenance
    calendar_version: str


def provisional_schedule(year: int) -> YearSchedule:
    labels = provisional_holidays(year)
    return YearSchedule(
        year=year,
        holidays=frozenset(labels),
        makeup_workdays=frozenset(),
        provenance=Provenance.PROVISIONAL,
        version=f"provisional:{regulation_for(year).version}:{LUNAR_LIBRARY}",
        labels=labels,
    )


def chinese_calendar_schedule(year: int) -> YearSchedule | None:
    """The official year as ``chinese-calendar`` knows it, or None if it does not."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return None
    days = [date(year, 1, 1) + timedelta(days=i) for i in range(366)]
    days = [d for d in days if d.year == year]
    return YearSchedule(
        year=year,
        holidays=frozenset(
            d for d in days if d.weekday() < 5 and not chinese_calendar.is_workday(d)
        ),
        makeup_workdays=frozenset(
            d for d in days if d.weekday() >= 5 and chinese_calendar.is_workday(d)
        ),
        provenance=Provenance.OFFICIAL,
        version=f"official:{CHINESE_CALENDAR}",
    )


class WorkingCalendar:
    """Working days on the Chinese calendar; ``tables`` are official years loaded from files
    (they override ``chinese-calendar``)."""

    def __init__(self, tables: Iterable[YearSchedule] = ()) -> None:
        self.tables = {t.year: t for t in tables}
        self._cache: dict[int, YearSchedule] = dict(self.tables)

    def schedule(self, year: int) -> YearSchedule:
        found = self._cache.get(year)
        if found is None:
            found = chinese_calendar_schedule(year) or provisional_schedule(year)
            self._cache[year] = found
        return found

    def day_status(self, day: date) -> DayStatus:
        year = self.schedule(day.year)
        return DayStatus(day, year.is_working_day(day), year.provenance, year.version)

    def is_working_day(self, day: date) -> bool:
        return self.schedule(day.year).is_working_day(day)

    def is_official(self, year: int) -> bool:
        return self.schedule(year).provenance is Provenance.OFFICIAL

    @cached_property
    def last_official_day(self) -> date:
        """The last day of the unbroken run of official years that includes 2004."""
        year = 2004
        while self.is_official(year + 1):
            year += 1
        return date(year, 12, 31)

    @property
    def version(self) -> str:
        """Identifies the official data: changes whenever a table is loaded."""
        loaded = ",".join(f"{y}:{t.version}" for y, t in sorted(self.tables.items()))
        return f"{CHINESE_CALENDAR};{loaded or 'no-tables'}"


DEFAULT_CALENDAR = WorkingCalendar()
