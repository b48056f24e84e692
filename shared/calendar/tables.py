"""Official working-day tables as data: the State Council's yearly notice, validated and stored.

File format (UTF-8 text, one record per line, comma-separated; ``#`` starts a comment line)::

    # 国务院办公厅关于2027年部分节假日安排的通知
    year,2027
    version,2027-notice
    source,国办发明电〔2026〕NN号
    test_data,no
    holiday,2027-02-05,2027-02-11,spring_festival
    workday,2027-02-14,,spring_festival

``holiday,FIRST,LAST,FESTIVAL`` is a run of days off (weekends inside it included);
``workday,DAY,,FESTIVAL`` is a make-up working day (a Saturday or Sunday). FESTIVAL is one of
the regulation's codes (new_year, spring_festival, qingming, labour_day, dragon_boat,
mid_autumn, national_day). A run may start in the previous December only on weekend days.
Every problem is reported with its line number, and a table with any problem is not stored.

A table marked ``test_data,yes`` gets ``+TEST-DATA`` in its version and is refused by the
loader unless explicitly allowed: test tables never pass for the State Council's.
"""

import csv
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from shared.calendar.regulation import REGULATIONS
from shared.calendar.schedule import Provenance, WorkingCalendar, YearSchedule

FESTIVALS = frozenset(f.code for r in REGULATIONS for f in r.festivals)
HEADER_KEYS = ("year", "version", "source", "test_data")


class TableError(ValueError):
    """A table with problems; ``problems`` are (line number, message) pairs."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = sorted(problems)
        super().__init__("; ".join(f"line {n}: {m}" for n, m in self.problems))


@dataclass(frozen=True)
class OfficialTable:
    year: int
    version: str
    source: str
    test_data: bool
    holidays: dict[date, str]  # every day off the notice names, weekends included
    makeup_workdays: dict[date, str]
    sha256: str

    def schedule(self) -> YearSchedule:
        return YearSchedule(
            year=self.year,
            holidays=frozenset(d for d in self.holidays if d.weekday() < 5),
            makeup_workdays=frozenset(self.makeup_workdays),
            provenance=Provenance.OFFICIAL,
            version=f"official:table:{self.year}:{self.version}",
            labels=dict(self.holidays),
        )

    def as_doc(self) -> dict:
        return {
            "year": self.year,
            "version": self.version,
            "source": self.source,
            "test_data": self.test_data,
            "sha256": self.sha256,
            "holidays": {d.isoformat(): f for d, f in sorted(self.holidays.items())},
            "makeup_workdays": {d.isoformat(): f for d, f in sorted(self.makeup_workdays.items())},
        }

    @classmethod
    def from_doc(cls, doc: dict) -> "OfficialTable":
        return cls(
            year=int(doc["year"]),
            version=str(doc["version"]),
            source=str(doc["source"]),
            test_data=bool(doc["test_data"]),
            holidays={date.fromisoformat(d): f for d, f in doc["holidays"].items()},
            makeup_workdays={date.fromisoformat(d): f for d, f in doc["makeup_workdays"].items()},
            sha256=str(doc["sha256"]),
        )


class _Parser:
    def __init__(self) -> None:
        self.problems: list[tuple[int, str]] = []
        self.header: dict[str, tuple[int, str]] = {}
        self.runs: list[tuple[int, date, date, str]] = []
        self.workdays: list[tuple[int, date, str]] = []

    def fail(self, line: int, message: str) -> None:
        self.problems.append((line, message))

    def day(self, line: int, text: str) -> date | None:
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            self.fail(line, f"{text.strip()!r} is not a date (YYYY-MM-DD)")
            return None

    def festival(self, line: int, text: str) -> str:
        code = text.strip()
        if code not in FESTIVALS:
            self.fail(line, f"unknown festival {code!r} (one of {', '.join(sorted(FESTIVALS))})")
        return code

    def row(self, line: int, cells: list[str]) -> None:
        kind = cells[0].strip()
        if kind in HEADER_KEYS:
            if len(cells) != 2 or not cells[1].strip():
                self.fail(line, f"'{kind}' takes exactly one value")
            elif kind in self.header:
                self.fail(line, f"'{kind}' is given twice (first on line {self.header[kind][0]})")
            else:
                self.header[kind] = (line, cells[1].strip())
        elif kind == "holiday":
            if len(cells) != 4:
                self.fail(line, "holiday needs FIRST,LAST,FESTIVAL")
                return
            first, last = self.day(line, cells[1]), self.day(line, cells[2])
            festival = self.festival(line, cells[3])
            if first and last:
                if last < first:
                    self.fail(line, f"the run ends ({last}) before it starts ({first})")
                else:
                    self.runs.append((line, first, last, festival))
        elif kind == "workday":
            if len(cells) not in (3, 4) or (len(cells) == 4 and cells[2].strip()):
                self.fail(line, "workday needs DAY,,FESTIVAL")
                return
            day = self.day(line, cells[1])
            festival = self.festival(line, cells[-1])
            if day:
                self.workdays.append((line, day, festival))
        else:
            self.fail(
                line,
                f"unknown record {kind!r} (year, version, source, test_data, holiday, workday)",
            )


def parse_table(text: str) -> OfficialTable:
    """Parses and validates a table; raises ``TableError`` listing every problem by line."""
    parser = _Parser()
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            parser.row(number, next(csv.reader([line])))
    for key in HEADER_KEYS:
        if key not in parser.header:
            parser.fail(0, f"the table has no '{key}' line")
    year = _year(parser)
    test_data = _test_data(parser)
    holidays = _holidays(parser, year)
    makeup = _makeup_workdays(parser, year, holidays)
    if parser.problems or year is None:
        raise TableError(parser.problems)
    version = parser.header["version"][1] + ("+TEST-DATA" if test_data else "")
    return OfficialTable(
        year=year,
        version=version,
        source=parser.header["source"][1],
        test_data=test_data,
        holidays=holidays,
        makeup_workdays=makeup,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )


def _year(parser: _Parser) -> int | None:
    if "year" not in parser.header:
        return None
    line, text = parser.header["year"]
    if not text.isdigit() or not 2004 <= int(text) <= 2199:
        parser.fail(line, f"year {text!r} is not a year between 2004 and 2199")
        return None
    return int(text)


def _test_data(parser: _Parser) -> bool:
    line, text = parser.header.get("test_data", (0, "no"))
    if text not in ("yes", "no"):
        parser.fail(line, "test_data is 'yes' or 'no'")
    return text == "yes"


def _holidays(parser: _Parser, year: int | None) -> dict[date, str]:
    days: dict[date, tuple[int, str]] = {}
    for line, first, last, festival in parser.runs:
        day = first
        while day <= last:
            if year is not None and day.year != year:
                if not (day.year == year - 1 and day.month == 12 and day.weekday() >= 5):
                    parser.fail(line, f"{day} is not in {year}")
                    break
            elif day in days:
                parser.fail(line, f"{day} overlaps the run on line {days[day][0]}")
                break
            else:
                days[day] = (line, festival)
            day += timedelta(days=1)
    return {d: f for d, (_, f) in sorted(days.items())}


def _makeup_workdays(
    parser: _Parser, year: int | None, holidays: dict[date, str]
) -> dict[date, str]:
    days: dict[date, tuple[int, str]] = {}
    for line, day, festival in parser.workdays:
        if year is not None and day.year != year:
            parser.fail(line, f"{day} is not in {year}")
        elif day in holidays:
            parser.fail(line, f"{day} is both a holiday and a make-up working day")
        elif day in days:
            parser.fail(line, f"{day} is given twice (first on line {days[day][0]})")
        elif day.weekday() < 5:
            parser.fail(line, f"{day} is a weekday: a make-up working day is a Saturday or Sunday")
        else:
            days[day] = (line, festival)
    return {d: f for d, (_, f) in sorted(days.items())}


class TableStore:
    """A directory of validated tables, one current file per year plus every version loaded."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _current(self, year: int) -> Path:
        return self.directory / f"{year}.json"

    def add(self, table: OfficialTable) -> bool:
        """Stores ``table`` as its year's current table; False if exactly it is stored already."""
        existing = self.get(table.year)
        if existing is not None and existing.sha256 == table.sha256:
            return False
        if existing is not None and existing.version == table.version:
            raise TableError(
                [
                    (
                        0,
                        f"version {table.version!r} of {table.year} is stored with "
                        "different content: give the corrected table a new version",
                    )
                ]
            )
        doc = {**table.as_doc(), "loaded_at": datetime.now(UTC).isoformat()}
        history = self.directory / "history"
        history.mkdir(parents=True, exist_ok=True)
        _write_atomically(history / f"{table.year}-{table.sha256[:16]}.json", doc)
        _write_atomically(self._current(table.year), doc)
        return True

    def get(self, year: int) -> OfficialTable | None:
        path = self._current(year)
        return OfficialTable.from_doc(json.loads(path.read_text())) if path.exists() else None

    def tables(self) -> list[OfficialTable]:
        if not self.directory.is_dir():
            return []
        return [
            OfficialTable.from_doc(json.loads(p.read_text()))
            for p in sorted(self.directory.glob("[0-9][0-9][0-9][0-9].json"))
        ]

    def fingerprint(self) -> tuple:
        if not self.directory.is_dir():
            return ()
        return tuple(
            (p.name, p.stat().st_mtime_ns, p.stat().st_size)
            for p in sorted(self.directory.glob("[0-9][0-9][0-9][0-9].json"))
        )

    def calendar(self, extra: tuple[YearSchedule, ...] = ()) -> WorkingCalendar:
        return WorkingCalendar([*extra, *(t.schedule() for t in self.tables())])


def _write_atomically(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as handle:
        json.dump(doc, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
