"""Legal periods, counted once for every service (民法典 第二百条至第二百零四条).

- The day a period starts is not counted; it begins on the next day (art. 201).
- A period in months or years ends on the corresponding day of the last month, or on that
  month's last day when the month has no corresponding day (art. 202).
- When the rule says so, a last day that is a rest day (法定休假日) moves to the first working
  day after it (art. 203): ``Period(..., roll_forward=True)``. Deadlines a party must meet
  (objections, applications) roll forward; how long something stays published does not.
- "N working days" are counted on the working-day calendar (``shared.calendar``).

Every result says whether it rests only on official calendar data or partly on a provisional
year (``Dated.provenance``), so open provisional deadlines can be recomputed when the State
Council's table arrives. Pure month/day arithmetic never depends on the calendar: official.
"""

import calendar as _gregorian
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from shared.calendar import DEFAULT_CALENDAR, DayStatus, Provenance, WorkingCalendar

__all__ = [
    "Counting",
    "Dated",
    "DayStatus",
    "Period",
    "Provenance",
    "Unit",
    "WorkingCalendar",
    "add_months",
    "add_working_days",
    "day_status",
    "is_working_day",
    "period_end",
]

ARITHMETIC_ONLY = "civil-code-arithmetic"  # calendar_version of results needing no calendar


class Unit(StrEnum):
    DAYS = "days"
    WORKDAYS = "workdays"
    MONTHS = "months"
    YEARS = "years"


class Counting(StrEnum):
    """How a rule counts its period; catalogues name one per rule."""

    CIVIL_CODE = "civil_code"  # art. 201-202, the last day stays where it falls
    CIVIL_CODE_ROLL_FORWARD = "civil_code_roll_forward"  # art. 201-203
    WORKING_DAYS = "working_days"  # N working days on the calendar, start day not counted


@dataclass(frozen=True)
class Period:
    length: int
    unit: Unit
    roll_forward: bool = False

    def __post_init__(self) -> None:
        if self.length < 0:
            raise ValueError("a period cannot be negative")

    @property
    def counting(self) -> Counting:
        if self.unit is Unit.WORKDAYS:
            return Counting.WORKING_DAYS
        return Counting.CIVIL_CODE_ROLL_FORWARD if self.roll_forward else Counting.CIVIL_CODE

    def describe(self) -> str:
        return f"{self.length} {self.unit.value}" + (
            ", rolled forward" if self.roll_forward else ""
        )


@dataclass(frozen=True)
class Dated:
    """A computed day and what it rests on."""

    day: date
    provenance: Provenance
    calendar_version: str

    @property
    def provisional(self) -> bool:
        return self.provenance is Provenance.PROVISIONAL

    def as_dict(self) -> dict[str, str]:
        return {
            "date": self.day.isoformat(),
            "provenance": self.provenance.value,
            "calendar_version": self.calendar_version,
        }


def add_months(start: date, months: int) -> date:
    """The corresponding day ``months`` later, or that month's last day if there is none."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, _gregorian.monthrange(year, month)[1]))


class _Consulted:
    """Collects the calendar years a computation looked at, to derive its provenance."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self.years: set[int] = set()

    def working(self, day: date) -> bool:
        self.years.add(day.year)
        return self.calendar.is_working_day(day)

    def dated(self, day: date) -> Dated:
        if not self.years:
            return Dated(day, Provenance.OFFICIAL, ARITHMETIC_ONLY)
        schedules = [self.calendar.schedule(y) for y in sorted(self.years)]
        provisional = [s for s in schedules if s.provenance is Provenance.PROVISIONAL]
        provenance = Provenance.PROVISIONAL if provisional else Provenance.OFFICIAL
        return Dated(day, provenance, "+".join(dict.fromkeys(s.version for s in schedules)))


def add_working_days(start: date, days: int, calendar: WorkingCalendar | None = None) -> Dated:
    """The day on which ``days`` working days after ``start`` (not counted) are complete."""
    if days < 0:
        raise ValueError("days must be >= 0")
    consulted = _Consulted(calendar or DEFAULT_CALENDAR)
    current, remaining = start, days
    while remaining:
        current += timedelta(days=1)
        remaining -= consulted.working(current)
    return consulted.dated(current)


def period_end(start: date, period: Period, calendar: WorkingCalendar | None = None) -> Dated:
    """The last day of ``period`` counted from ``start`` (which itself is not counted)."""
    if period.unit is Unit.WORKDAYS:
        return add_working_days(start, period.length, calendar)
    consulted = _Consulted(calendar or DEFAULT_CALENDAR)
    if period.unit is Unit.DAYS:
        day = start + timedelta(days=period.length)
    else:
        day = add_months(start, period.length * (12 if period.unit is Unit.YEARS else 1))
    if period.roll_forward:
        while not consulted.working(day):
            day += timedelta(days=1)
    return consulted.dated(day)


def is_working_day(day: date, calendar: WorkingCalendar | None = None) -> bool:
    return (calendar or DEFAULT_CALENDAR).is_working_day(day)


def day_status(day: date, calendar: WorkingCalendar | None = None) -> DayStatus:
    """Whether ``day`` is a working day, and whether that is official or provisional."""
    return (calendar or DEFAULT_CALENDAR).day_status(day)
