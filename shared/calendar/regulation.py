"""The holiday regulation (全国年节及纪念日放假办法) as versioned data, with its source.

Only the days off for all citizens (article 2) matter for working days. Article 6 adds that a
holiday for all citizens falling on a Saturday or Sunday is made up on a working day (补假).
The yearly State Council notice additionally swaps days (调休: extra days off paid back by
weekend make-up working days); that part is discretionary and cannot be computed, so the
provisional calendar never contains make-up working days.

LEGAL REVIEW: the rows below paraphrase the regulation's article 2; check them against the
text in force before relying on a new version.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from shared.exceptions import InvalidInput


class Anchor(StrEnum):
    SOLAR = "solar"  # a Gregorian month/day
    LUNAR = "lunar"  # a lunar month/day
    LUNAR_NEW_YEAR_EVE = "lunar_new_year_eve"  # 除夕: the day before lunar 1/1
    QINGMING = "qingming"  # the day of the Qingming solar term


@dataclass(frozen=True)
class Festival:
    code: str
    anchor: Anchor
    days: int  # consecutive statutory days off starting at the anchor
    month: int = 0
    day: int = 0


@dataclass(frozen=True)
class HolidayRegulation:
    version: str
    effective_from: date
    source: str
    festivals: tuple[Festival, ...]


_NEW_YEAR = Festival("new_year", Anchor.SOLAR, 1, 1, 1)
_QINGMING = Festival("qingming", Anchor.QINGMING, 1)
_DRAGON_BOAT = Festival("dragon_boat", Anchor.LUNAR, 1, 5, 5)
_MID_AUTUMN = Festival("mid_autumn", Anchor.LUNAR, 1, 8, 15)
_NATIONAL_DAY = Festival("national_day", Anchor.SOLAR, 3, 10, 1)

REGULATIONS: tuple[HolidayRegulation, ...] = (
    HolidayRegulation(
        version="SC-644-2014",
        effective_from=date(2014, 1, 1),
        source="全国年节及纪念日放假办法, 2013 revision (国务院令第644号), art. 2 and 6",
        festivals=(
            _NEW_YEAR,
            Festival("spring_festival", Anchor.LUNAR, 3, 1, 1),  # 正月初一至初三
            _QINGMING,
            Festival("labour_day", Anchor.SOLAR, 1, 5, 1),
            _DRAGON_BOAT,
            _MID_AUTUMN,
            _NATIONAL_DAY,
        ),
    ),
    HolidayRegulation(
        version="SC-798-2025",
        effective_from=date(2025, 1, 1),
        source="全国年节及纪念日放假办法, 2024 revision (国务院令第798号), art. 2 and 6",
        festivals=(
            _NEW_YEAR,
            Festival("spring_festival", Anchor.LUNAR_NEW_YEAR_EVE, 4),  # 除夕至正月初三
            _QINGMING,
            Festival("labour_day", Anchor.SOLAR, 2, 5, 1),  # 5月1日、2日
            _DRAGON_BOAT,
            _MID_AUTUMN,
            _NATIONAL_DAY,
        ),
    ),
)


# The lunar dates are checked up to this year (tests/shared/test_periods.py); a legal period
# reaching beyond it is bad input, not a calendar to invent.
LAST_PROVISIONAL_YEAR = 2099


class CalendarYearOutOfRange(InvalidInput):
    """A date no legal period of this platform can reach (a typo such as 0311 or 9999)."""


def regulation_for(year: int) -> HolidayRegulation:
    """The regulation in force on 1 January of ``year`` (the latest one for future years)."""
    in_force = [r for r in REGULATIONS if r.effective_from <= date(year, 1, 1)]
    if not in_force or year > LAST_PROVISIONAL_YEAR:
        raise CalendarYearOutOfRange(
            f"no working-day calendar for {year}: official tables and the provisional method "
            f"cover up to {LAST_PROVISIONAL_YEAR}",
            code="date_out_of_range",
            year=year,
        )
    return max(in_force, key=lambda r: r.effective_from)
