"""A year's statutory days off computed from the holiday regulation (no official table needed).

Lunar dates and the Qingming solar term come from ``lunar-python`` (6tail's lunar, an
astronomical algorithm valid far beyond this century). What it cannot know are the yearly
notice's swaps (调休), so a provisional year has statutory days and their make-up days off
(补假, art. 6) but no make-up working days.
"""

from datetime import date, timedelta
from functools import lru_cache
from importlib.metadata import version

from lunar_python import Lunar

from shared.calendar.regulation import Anchor, Festival, HolidayRegulation, regulation_for

LUNAR_LIBRARY = f"lunar-python-{version('lunar-python')}"


def _ymd(text: str) -> date:
    return date.fromisoformat(text)


def festival_start(festival: Festival, year: int) -> date:
    if festival.anchor is Anchor.SOLAR:
        return date(year, festival.month, festival.day)
    if festival.anchor is Anchor.LUNAR:
        return _ymd(Lunar.fromYmd(year, festival.month, festival.day).getSolar().toYmd())
    if festival.anchor is Anchor.LUNAR_NEW_YEAR_EVE:
        return _ymd(Lunar.fromYmd(year, 1, 1).getSolar().toYmd()) - timedelta(days=1)
    if festival.anchor is Anchor.QINGMING:
        term = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
        return _ymd(term.toYmd())
    raise ValueError(f"unknown anchor {festival.anchor}")


def statutory_days(year: int, regulation: HolidayRegulation) -> list[tuple[date, str]]:
    """Every statutory day off (art. 2) of ``year`` with its festival, in date order."""
    days: list[tuple[date, str]] = []
    for festival in regulation.festivals:
        first = festival_start(festival, year)
        days += [(first + timedelta(days=i), festival.code) for i in range(festival.days)]
    return sorted(days)


@lru_cache(maxsize=256)
def provisional_holidays(year: int, regulation_version: str | None = None) -> dict[date, str]:
    """Weekdays off in ``year``: statutory days plus a make-up day off (补假) for each statutory
    day that falls on a weekend or coincides with another festival, on the first free weekday
    after it (the practice of every notice since 2014)."""
    regulation = regulation_for(year)
    if regulation_version is not None and regulation_version != regulation.version:
        from shared.calendar.regulation import REGULATIONS

        regulation = next(r for r in REGULATIONS if r.version == regulation_version)
    off: dict[date, str] = {}
    for day, festival in statutory_days(year, regulation):
        if day.weekday() < 5 and day not in off:
            off[day] = festival
            continue
        substitute = day + timedelta(days=1)
        while substitute.weekday() >= 5 or substitute in off:
            substitute += timedelta(days=1)
        off[substitute] = festival
    return {d: f for d, f in sorted(off.items()) if d.year == year}
