"""How well the provisional method reproduces official years (``python -m shared.calendar.check``).

Compares, per year and festival, the weekdays off that the law fixes (statutory days and their
make-up days off) with the official schedule in ``chinese-calendar`` minus its swapped days off
(调休, which no rule determines). Swaps and make-up working days are reported, not predicted.
"""

import argparse
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
from chinese_calendar import constants

from shared.calendar.provisional import provisional_holidays

FESTIVAL_NAMES = {
    "New Year's Day": "new_year",
    "Spring Festival": "spring_festival",
    "Tomb-sweeping Day": "qingming",
    "Labour Day": "labour_day",
    "Dragon Boat Festival": "dragon_boat",
    "Mid-autumn Festival": "mid_autumn",
    "National Day": "national_day",
}


@dataclass(frozen=True)
class YearComparison:
    year: int
    official: frozenset[date]  # weekdays off by law in the official schedule (swaps removed)
    provisional: frozenset[date]
    blocks_total: int
    blocks_exact: int
    day_agreement: float  # share of all days classified the same (working / rest)
    provisional_really_off: int  # provisional rest days that were official rest days

    @property
    def exact(self) -> bool:
        return self.official == self.provisional


def official_statutory_weekdays(year: int) -> dict[date, str]:
    return {
        day: FESTIVAL_NAMES.get(str(getattr(name, "value", name)), str(name))
        for day, name in constants.holidays.items()
        if day.year == year and day.weekday() < 5 and day not in constants.in_lieu_days
    }


def _festival_of(days: dict[date, str], festival: str) -> set[date]:
    return {d for d, f in days.items() if f == festival}


def compare_year(year: int) -> YearComparison:
    official = official_statutory_weekdays(year)
    provisional = provisional_holidays(year)
    festivals = set(FESTIVAL_NAMES.values())
    exact_blocks = sum(
        _festival_of(official, f) | _festival_of(provisional, f) <= set(official) & set(provisional)
        for f in festivals
    )
    days = [date(year, 1, 1) + timedelta(days=i) for i in range(366)]
    days = [d for d in days if d.year == year]
    same = sum(
        chinese_calendar.is_workday(d) == (d.weekday() < 5 and d not in provisional) for d in days
    )
    return YearComparison(
        year,
        frozenset(official),
        frozenset(provisional),
        len(festivals),
        exact_blocks,
        same / len(days),
        sum(not chinese_calendar.is_workday(d) for d in provisional),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", type=int, default=2020)
    parser.add_argument("--last", type=int, default=2026)
    args = parser.parse_args(argv)
    rows = [compare_year(y) for y in range(args.first, args.last + 1)]
    for r in rows:
        missing = sorted(r.official - r.provisional)
        extra = sorted(r.provisional - r.official)
        print(
            f"{r.year}: exact={r.exact} festivals {r.blocks_exact}/{r.blocks_total} "
            f"days-off {len(r.official & r.provisional)}/{len(r.official)} "
            f"day-level agreement {r.day_agreement:.1%} missing={missing} extra={extra}"
        )
    print(
        f"years exact {sum(r.exact for r in rows)}/{len(rows)}; festivals exact "
        f"{sum(r.blocks_exact for r in rows)}/{sum(r.blocks_total for r in rows)}; "
        f"statutory days off reproduced {sum(len(r.official & r.provisional) for r in rows)}"
        f"/{sum(len(r.official) for r in rows)}; provisional rest days that were official "
        f"rest days {sum(r.provisional_really_off for r in rows)}"
        f"/{sum(len(r.provisional) for r in rows)}"
    )


if __name__ == "__main__":
    main()
