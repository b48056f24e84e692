"""Period arithmetic for publication periods, listing terms and the objection window.

All counting is done by the shared period module (``shared.periods``: 民法典 第二百零一条至
第二百零三条), the same one the inspection service's six-month rule uses. This module keeps the
credit service's names: ``last_day`` (the period's last day, never moved: how long something
stays published) and ``deadline`` (a party's deadline, moved past rest days, art. 203).
Working-day periods running into a year without an official table are computed provisionally
rather than refused; ``*_dated`` variants say whether the result is official or provisional.
"""

from dataclasses import replace
from datetime import date

from shared.calendar import WorkingCalendar
from shared.periods import Counting, Dated, Period, Unit, add_months, period_end

__all__ = [
    "Counting",
    "Dated",
    "Period",
    "Unit",
    "add_months",
    "deadline",
    "deadline_dated",
    "last_day",
    "last_day_dated",
]


def last_day_dated(start: date, period: Period, workdays: WorkingCalendar) -> Dated:
    return period_end(start, replace(period, roll_forward=False), workdays)


def deadline_dated(start: date, period: Period, workdays: WorkingCalendar) -> Dated:
    return period_end(start, replace(period, roll_forward=True), workdays)


def last_day(start: date, period: Period, workdays: WorkingCalendar) -> date:
    """The last day of ``period`` counted from ``start`` (which itself is not counted)."""
    return last_day_dated(start, period, workdays).day


def deadline(start: date, period: Period, workdays: WorkingCalendar) -> date:
    """A party's deadline: the period's last day, moved past rest days (民法典 第二百零三条)."""
    return deadline_dated(start, period, workdays).day
