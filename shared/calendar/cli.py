"""``qp-calendar``: validate and load the State Council's working-day tables.

    qp-calendar validate notice-2027.csv
    qp-calendar load notice-2027.csv [--dir var/calendar]
    qp-calendar status
    qp-calendar check            # provisional method vs official 2020-2026

Services read the table directory (``CALENDAR_TABLES_DIR``, default ``var/calendar``) and
recompute their open provisional deadlines when a table appears there.
"""

import argparse
import os
import sys
from pathlib import Path

from shared.calendar import check
from shared.calendar.tables import TableError, TableStore, parse_table

DEFAULT_DIR = "var/calendar"


def tables_dir() -> Path:
    return Path(os.environ.get("CALENDAR_TABLES_DIR", DEFAULT_DIR))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TableError([(0, f"cannot read {path}: {exc}")]) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="qp-calendar", description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None, help="table directory")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("validate").add_argument("file", type=Path)
    load = sub.add_parser("load")
    load.add_argument("file", type=Path)
    load.add_argument(
        "--allow-test-data", action="store_true", help="accept a table marked test_data,yes"
    )
    sub.add_parser("status")
    sub.add_parser("check")
    args = parser.parse_args(argv)
    store = TableStore(args.dir or tables_dir())
    try:
        if args.command == "validate":
            table = parse_table(_read(args.file))
            print(
                f"ok: {table.year} version {table.version}, {len(table.holidays)} days off, "
                f"{len(table.makeup_workdays)} make-up working days"
            )
        elif args.command == "load":
            table = parse_table(_read(args.file))
            if table.test_data and not args.allow_test_data:
                raise TableError(
                    [
                        (
                            0,
                            "this is a test table (test_data,yes); pass "
                            "--allow-test-data to load it anyway",
                        )
                    ]
                )
            changed = store.add(table)
            print(
                f"{'loaded' if changed else 'already loaded'}: {table.year} version "
                f"{table.version} into {store.directory}"
            )
        elif args.command == "status":
            calendar = store.calendar()
            for t in store.tables():
                print(f"{t.year}: {t.version} ({t.source}){' TEST DATA' if t.test_data else ''}")
            print(f"last officially covered day: {calendar.last_official_day}")
        else:
            check.main([])
    except TableError as exc:
        for line, message in exc.problems:
            print(
                f"{args.file if 'file' in args else store.directory}:{line}: {message}",
                file=sys.stderr,
            )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
