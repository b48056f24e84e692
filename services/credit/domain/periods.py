"""Period arithmetic for publication periods, listing terms and the objection window.

Follows the Civil Code's rules on periods (民法典 第二百零一条至第二百零三条): the starting day
is not counted; a period in months or years ends on the corresponding day of the last month,
or on that month's last day when there is no corresponding day. Periods in working days are
counted on the official calendar (holidays and make-up working days); a year the calendar does
not cover raises ``CalendarNotCovered`` rather than being guessed.

The holiday roll-forward of article 203 (a deadline falling on a rest day moves to the next
working day) applies to deadlines a party must meet, such as the objection window; it is not
applied to how long something stays published.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from shared.workdays import WorkdayCalendar


class Unit(StrEnum):
    DAYS = "days"
    WORKDAYS = "workdays"
    MONTHS = "months"
    YEARS = "years"


@dataclass(frozen=True)
class Period:
    length: int
    unit: Unit

    def __post_init__(self) -> None:
        if self.length < 0:
            raise ValueError("a period cannot be negative")

    def describe(self) -> str:
        return f"{self.length} {self.unit.value}"


def add_months(start: date, months: int) -> date:
    """The corresponding day ``months`` later, or that month's last day if there is none."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def last_day(start: date, period: Period, workdays: WorkdayCalendar) -> date:
    """The last day of ``period`` counted from ``start`` (which itself is not counted)."""
    if period.unit is Unit.DAYS:
        return start + timedelta(days=period.length)
    if period.unit is Unit.WORKDAYS:
        return workdays.add_workdays(start, period.length)
    months = period.length * (12 if period.unit is Unit.YEARS else 1)
    return add_months(start, months)


def deadline(start: date, period: Period, workdays: WorkdayCalendar) -> date:
    """A party's deadline: the period's last day, moved past rest days (民法典 第二百零三条)."""
    day = last_day(start, period, workdays)
    while not workdays.is_workday(day):
        day += timedelta(days=1)
    return day
