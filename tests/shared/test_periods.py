"""The shared period module: Civil Code counting, working days and provenance.

Official years come from chinese-calendar (2004-2026). 2027 onwards is provisional unless a
table is given; the 2027 table used here is TEST DATA, not the State Council's schedule.
"""

from datetime import date, timedelta

import chinese_calendar
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.calendar import Provenance, WorkingCalendar, YearSchedule
from shared.calendar.check import compare_year
from shared.calendar.provisional import festival_start, provisional_holidays
from shared.calendar.regulation import Anchor, Festival, regulation_for
from shared.periods import (
    Counting,
    Period,
    Unit,
    add_months,
    add_working_days,
    day_status,
    is_working_day,
    period_end,
)

TEST_DATA_2027_NOT_OFFICIAL = YearSchedule(
    year=2027,
    holidays=frozenset({date(2027, 1, 1), *(date(2027, 2, d) for d in range(8, 13))}),
    makeup_workdays=frozenset({date(2027, 2, 20)}),
    provenance=Provenance.OFFICIAL,
    version="TEST-DATA-2027",
)
WITH_TEST_TABLE = WorkingCalendar([TEST_DATA_2027_NOT_OFFICIAL])


def test_civil_code_month_periods_end_on_the_corresponding_day_or_the_month_end() -> None:
    six_months = Period(6, Unit.MONTHS)
    assert period_end(date(2026, 6, 1), six_months).day == date(2026, 12, 1)
    assert period_end(date(2026, 8, 31), six_months).day == date(2027, 2, 28)
    assert period_end(date(2027, 8, 31), six_months).day == date(2028, 2, 29)
    assert period_end(date(2028, 2, 29), Period(1, Unit.YEARS)).day == date(2029, 2, 28)
    result = period_end(date(2026, 6, 1), six_months)
    assert result.provenance is Provenance.OFFICIAL and not result.provisional
    assert six_months.counting is Counting.CIVIL_CODE


def test_roll_forward_moves_a_rest_day_to_the_next_working_day() -> None:
    # 2026-10-01 is National Day; the official week runs to 10-07, 10-08 is a working day
    end = period_end(date(2026, 9, 16), Period(15, Unit.DAYS, roll_forward=True))
    assert end.day == date(2026, 10, 8) and end.provenance is Provenance.OFFICIAL
    plain = period_end(date(2026, 9, 16), Period(15, Unit.DAYS))
    assert plain.day == date(2026, 10, 1)


def test_periods_into_2027_are_provisional_never_refused() -> None:
    end = period_end(date(2026, 12, 20), Period(15, Unit.DAYS, roll_forward=True))
    assert end.provisional and "provisional" in end.calendar_version
    # 2027-01-04 is a Monday: no official table yet, weekends and New Year's Day off
    assert end.day == date(2027, 1, 4)
    assert add_working_days(date(2026, 12, 20), 20).day == date(2027, 1, 18)


def test_a_loaded_table_makes_the_same_computation_official() -> None:
    end = add_working_days(date(2027, 2, 5), 3, WITH_TEST_TABLE)
    assert end.provenance is Provenance.OFFICIAL and end.calendar_version == "TEST-DATA-2027"
    assert end.day == date(2027, 2, 17)  # 8-12 off in the test table: 15, 16, 17 count
    assert WITH_TEST_TABLE.is_working_day(date(2027, 2, 20))  # a make-up Saturday


def test_day_status_and_is_working_day() -> None:
    assert not is_working_day(date(2026, 10, 1))
    assert is_working_day(date(2026, 9, 20))  # official make-up Sunday
    status = day_status(date(2027, 10, 1))
    assert not status.working and status.provenance is Provenance.PROVISIONAL
    assert day_status(date(2026, 10, 9)).provenance is Provenance.OFFICIAL


def test_provisional_2027_follows_the_2025_regulation() -> None:
    off = provisional_holidays(2027)
    # Spring Festival 2027-02-06 (Saturday): eve Friday 02-05 and 02-08 statutory, the weekend
    # days made up on 02-09 and 02-10 (art. 6); no make-up working days are invented.
    assert {date(2027, 2, d) for d in (5, 8, 9, 10)} <= set(off)
    assert date(2027, 4, 5) in off  # Qingming
    assert {date(2027, 5, 3), date(2027, 5, 4)} <= set(off)  # Labour Day 1-2 on a weekend
    assert len(off) == 13  # 13 statutory days, each a weekday off or made up on one
    assert regulation_for(2027).version == "SC-798-2025"
    assert regulation_for(2024).version == "SC-644-2014"


def test_lunar_and_solar_term_dates_agree_with_chinese_calendar_for_the_next_decades() -> None:
    qingming = Festival("qingming", Anchor.QINGMING, 1)
    for year in range(2027, 2100):
        terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10))
        assert festival_start(qingming, year) == next(d for d, name in terms if name == "清明")


def test_provisional_method_against_the_official_years_2020_to_2026() -> None:
    """Every provisional day off was an official day off; 2023-2026 are reproduced exactly
    (statutory days and make-up days off; swaps are not predictable). 2020-2022 differ only
    around the Spring Festival (the 2020 extension and eve swaps under the 2014 rules)."""
    rows = [compare_year(y) for y in range(2020, 2027)]
    for row in rows:
        for day in row.provisional:
            assert not chinese_calendar.is_workday(day), day
    assert [r.year for r in rows if r.exact] == [2023, 2024, 2025, 2026]
    assert sum(r.blocks_exact for r in rows) == 46


@settings(max_examples=300)
@given(
    st.one_of(
        st.dates(date(2020, 1, 1), date(2030, 12, 31)),
        st.dates(date(2026, 9, 20), date(2027, 2, 28)),
    ),
    st.integers(0, 60),
)
def test_working_days_property(start: date, n: int) -> None:
    end = add_working_days(start, n).day
    counted = sum(
        is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1)
    )
    assert counted == n
    if n:
        assert is_working_day(end)


@given(st.dates(date(2000, 1, 1), date(2099, 12, 31)), st.integers(0, 120))
def test_month_periods_property(start: date, months: int) -> None:
    end = add_months(start, months)
    assert (end.year - start.year) * 12 + end.month - start.month == months
    assert end.day == start.day or (end.day < start.day and (end + timedelta(days=1)).day == 1)


@given(
    st.one_of(
        st.dates(date(2026, 1, 20), date(2026, 3, 1)),  # Spring Festival
        st.dates(date(2026, 9, 20), date(2026, 10, 10)),  # National Day
        st.dates(date(2027, 1, 25), date(2027, 2, 15)),  # provisional Spring Festival
        st.dates(date(2027, 9, 20), date(2027, 10, 10)),
    ),
    st.integers(0, 30),
)
def test_roll_forward_property(start: date, days: int) -> None:
    plain = period_end(start, Period(days, Unit.DAYS)).day
    rolled = period_end(start, Period(days, Unit.DAYS, roll_forward=True))
    assert rolled.day >= plain and is_working_day(rolled.day)
    assert all(not is_working_day(plain + timedelta(i)) for i in range((rolled.day - plain).days))
    assert rolled.provisional == (rolled.day.year >= 2027 or plain.year >= 2027)
