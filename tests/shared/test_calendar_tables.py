"""Official-table file format, validation, the store and the ``qp-calendar`` CLI.

The 2027 table in data/ is TEST DATA, not the State Council's schedule."""

from datetime import date
from pathlib import Path

import pytest

from shared.calendar import Provenance
from shared.calendar.cli import main
from shared.calendar.tables import TableError, TableStore, parse_table
from shared.periods import add_working_days

TEST_TABLE = Path(__file__).parent / "data" / "calendar-2027-TEST-DATA-not-official.csv"
HEADER = "year,2027\nversion,v1\nsource,test\ntest_data,yes\n"


def test_the_test_table_parses_and_is_labelled() -> None:
    table = parse_table(TEST_TABLE.read_text())
    assert (table.year, table.test_data, table.version) == (2027, True, "2027-test-1+TEST-DATA")
    assert date(2027, 2, 5) in table.holidays and date(2027, 2, 20) in table.makeup_workdays
    schedule = table.schedule()
    assert schedule.provenance is Provenance.OFFICIAL and "TEST-DATA" in schedule.version
    assert not schedule.is_working_day(date(2027, 2, 11))
    assert schedule.is_working_day(date(2027, 2, 20))


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        (
            "holiday,2027-01-01,2027-01-03,new_year\nholiday,2027-01-03,2027-01-04,new_year\n",
            6,
            "overlaps the run on line 5",
        ),
        ("holiday,2028-01-01,2028-01-01,new_year\n", 5, "not in 2027"),
        (
            "holiday,2027-02-05,2027-02-12,spring_festival\nworkday,2027-02-06,,spring_festival\n",
            6,
            "both a holiday and a make-up working day",
        ),
        ("workday,2027-02-17,,spring_festival\n", 5, "is a weekday"),
        ("holiday,2027-13-01,2027-13-02,new_year\n", 5, "not a date"),
        ("holiday,2027-01-01,2027-01-01,christmas\n", 5, "unknown festival"),
        ("holiday,2027-01-03,2027-01-01,new_year\n", 5, "ends"),
        ("vacation,2027-01-01\n", 5, "unknown record"),
        ("year,2028\n", 5, "given twice (first on line 1)"),
    ],
)
def test_problems_name_their_line(body: str, line: int, words: str) -> None:
    with pytest.raises(TableError) as info:
        parse_table(HEADER + body)
    assert any(n == line and words in m for n, m in info.value.problems), info.value.problems


def test_a_missing_header_and_a_wrong_year_are_reported() -> None:
    with pytest.raises(TableError) as info:
        parse_table("year,20x7\nholiday,2027-01-01,2027-01-01,new_year\n")
    messages = " ".join(m for _, m in info.value.problems)
    assert "not a year" in messages and "no 'version' line" in messages


def test_a_run_may_start_on_the_previous_decembers_weekend_only() -> None:
    header = HEADER.replace("2027", "2029")
    ok = parse_table(header + "holiday,2028-12-30,2029-01-01,new_year\n")  # Sat, Sun, Mon
    assert list(ok.holidays) == [date(2029, 1, 1)]
    with pytest.raises(TableError):
        parse_table(header + "holiday,2028-12-29,2029-01-01,new_year\n")  # from a Friday


def test_cli_loads_validates_and_never_half_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_dir = tmp_path / "calendar"
    bad = tmp_path / "bad.csv"
    bad.write_text(TEST_TABLE.read_text() + "workday,2027-02-08,,spring_festival\n")
    assert main(["--dir", str(store_dir), "load", str(bad), "--allow-test-data"]) == 2
    lines = len(TEST_TABLE.read_text().splitlines())
    assert f"{bad}:{lines + 1}: 2027-02-08 is both a holiday" in capsys.readouterr().err
    assert TableStore(store_dir).tables() == []
    # a test table is refused without saying so explicitly
    assert main(["--dir", str(store_dir), "load", str(TEST_TABLE)]) == 2
    assert TableStore(store_dir).tables() == []
    assert main(["--dir", str(store_dir), "load", str(TEST_TABLE), "--allow-test-data"]) == 0
    assert main(["--dir", str(store_dir), "load", str(TEST_TABLE), "--allow-test-data"]) == 0
    assert "already loaded" in capsys.readouterr().out
    store = TableStore(store_dir)
    assert [t.version for t in store.tables()] == ["2027-test-1+TEST-DATA"]
    calendar = store.calendar()
    end = add_working_days(date(2027, 2, 4), 1, calendar)
    assert end.day == date(2027, 2, 15) and end.provenance is Provenance.OFFICIAL
    assert calendar.last_official_day == date(2027, 12, 31)
    # the same version with other content is refused: corrections get a new version
    changed = tmp_path / "changed.csv"
    changed.write_text(
        TEST_TABLE.read_text().replace("2027-09-15,2027-09-15", "2027-09-16,2027-09-16")
    )
    assert main(["--dir", str(store_dir), "load", str(changed), "--allow-test-data"]) == 2
    assert main(["--dir", str(store_dir), "validate", str(TEST_TABLE)]) == 0
