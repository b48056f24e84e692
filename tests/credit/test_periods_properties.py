"""Property tests of publication-period arithmetic across holidays and year ends.

Dates are drawn inside the years chinese-calendar covers (2004-2026). Crossing into 2027 uses
an EXAMPLE table that exists for these tests only: it is not the official 2027 schedule.
"""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.credit.domain.catalogue import RECORD_CLASSES
from services.credit.domain.periods import Period, Unit, add_months, deadline, last_day
from shared.workdays import CalendarNotCovered, WorkdayCalendar, YearTable

OFFICIAL = WorkdayCalendar()
EXAMPLE_2027_FOR_TESTS_ONLY = YearTable(
    holidays=frozenset({date(2027, 1, 1), *(date(2027, 2, d) for d in range(6, 13))}),
    makeup_workdays=frozenset({date(2027, 2, 14)}),
)
WITH_EXAMPLE = WorkdayCalendar({2027: EXAMPLE_2027_FOR_TESTS_ONLY})
LAST_COVERED = date(2026, 12, 31)

covered_days = st.dates(date(2004, 1, 1), date(2026, 12, 31))
holiday_seasons = st.one_of(  # around New Year, Spring Festival and National Day
    st.dates(date(2025, 12, 15), date(2026, 1, 10)),
    st.dates(date(2026, 2, 1), date(2026, 3, 1)),
    st.dates(date(2026, 9, 15), date(2026, 10, 15)),
    st.dates(date(2024, 9, 20), date(2024, 10, 20)),
)
december_2026 = st.dates(date(2026, 12, 1), date(2026, 12, 31))


def check_workday_period(calendar: WorkdayCalendar, start: date, n: int) -> None:
    end = last_day(start, Period(n, Unit.WORKDAYS), calendar)
    assert calendar.workdays_between(start, end) == n
    if n:
        assert calendar.is_workday(end) and end > start
        # it is the first day on which the count is reached
        assert calendar.workdays_between(start, end - timedelta(days=1)) == n - 1


@settings(max_examples=300)
@given(st.one_of(covered_days, holiday_seasons), st.integers(0, 60))
def test_working_day_periods_on_the_official_calendar(start: date, n: int) -> None:
    try:
        check_workday_period(OFFICIAL, start, n)
    except CalendarNotCovered:
        # refused only when the period really runs past the last covered year
        assert OFFICIAL.workdays_between(start, LAST_COVERED) < n


@given(december_2026, st.integers(1, 40))
def test_working_day_periods_across_the_year_end_with_a_configured_year(
    start: date, n: int
) -> None:
    check_workday_period(WITH_EXAMPLE, start, n)
    end = last_day(start, Period(n, Unit.WORKDAYS), WITH_EXAMPLE)
    assert end not in EXAMPLE_2027_FOR_TESTS_ONLY.holidays


@given(st.one_of(covered_days, december_2026), st.integers(0, 60))
def test_month_and_year_periods(start: date, months: int) -> None:
    end = add_months(start, months)
    assert (end.year - start.year) * 12 + end.month - start.month == months
    assert end.day == start.day or (end.day < start.day and (end + timedelta(days=1)).day == 1)
    assert add_months(start, months + 1) > end
    if months % 12 == 0:
        assert end == last_day(start, Period(months // 12, Unit.YEARS), OFFICIAL)


@given(st.one_of(holiday_seasons, december_2026), st.integers(1, 30))
def test_deadlines_move_only_past_rest_days(start: date, days: int) -> None:
    plain = last_day(start, Period(days, Unit.DAYS), WITH_EXAMPLE)
    moved = deadline(start, Period(days, Unit.DAYS), WITH_EXAMPLE)
    assert moved >= plain and WITH_EXAMPLE.is_workday(moved)
    day = plain
    while day < moved:
        assert not WITH_EXAMPLE.is_workday(day)
        day += timedelta(days=1)


@given(st.sampled_from(sorted(RECORD_CLASSES)), st.dates(date(2020, 1, 1), date(2026, 10, 31)))
def test_every_record_class_has_a_period_that_ends_after_the_decision(
    code: str, decided: date
) -> None:
    period = RECORD_CLASSES[code].publication
    try:
        until = last_day(decided, period, OFFICIAL)
    except CalendarNotCovered:
        assert period.unit is Unit.WORKDAYS
        return
    assert until > decided
    if period.unit in (Unit.MONTHS, Unit.YEARS):
        assert until == add_months(
            decided, period.length * (12 if period.unit is Unit.YEARS else 1)
        )
