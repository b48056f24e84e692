"""Checks by other authorities (issue 13, item 5). Pure.

The six-month rule protects a unit that passed a counting check by "任何地方、部门和机构", so a
check another authority (another province, another department, a national plan run outside
this system) made counts exactly like one of ours. Such checks are imported with their
provenance: the checking authority's name, level and region, and its plan reference.

Rows are validated first; each bad row is reported with its line number (CSV, the header is
line 1) or its index (JSON, from 0), a field and a machine-readable code, and only a batch
without errors is imported. Two rows are the same check when the unit (by its normalised key,
``domain.unit_key``), the sampling date, the authority's level, region and normalised name and
the plan reference are the same (``dedupe_key``).
"""

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import TypeVar

from services.inspection.domain import unit_key as uk
from services.inspection.domain.model import CheckType, Outcome
from services.inspection.domain.roster import Parsed, RowError, _Row, read_csv
from shared import uscc
from shared.auth.principal import AuthorityLevel

COLUMNS = (
    "enterprise_uscc",
    "product_name",
    "model",
    "authority",
    "authority_level",
    "region_code",
    "plan_reference",
    "check_type",
    "outcome",
    "sampling_date",
)
OPTIONAL_COLUMNS = ("report_number",)
EARLIEST = date(2000, 1, 1)
E = TypeVar("E", bound=Enum)


@dataclass(frozen=True)
class OutsideCheck:
    line: int  # CSV line number, or index in a JSON batch
    enterprise_uscc: str
    product_name: str
    model: str
    authority: str
    authority_level: AuthorityLevel
    region_code: str
    plan_reference: str
    check_type: CheckType
    outcome: Outcome
    sampling_date: date
    report_number: str = ""

    def key(self, aliases: uk.Aliases) -> str:
        """The unit's normalised key (the same the unit import gives it)."""
        return uk.unit_key(self.enterprise_uscc, self.product_name, self.model, aliases)

    def dedupe_key(self, unit_key: str) -> str:
        parts = (
            unit_key,
            self.sampling_date.isoformat(),
            self.authority_level.value,
            self.region_code,
            uk.normalise(self.authority),
            uk.normalise(self.plan_reference),
        )
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _enum(row: _Row, name: str, kind: type[E], label: str) -> E | None:
    value = row.record.get(name, "").strip().lower()
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in kind)
        row.fail(name, f"invalid_{label}", f"{name} must be one of {allowed}, not {value!r}")
        return None


def _date(row: _Row, name: str, today: date) -> date | None:
    value = row.record.get(name, "")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        row.fail(name, "invalid_date", f"{name} must be a date YYYY-MM-DD, not {value!r}")
        return None
    if day > today:
        row.fail(name, "sampling_date_in_future", f"{name} {value} is in the future")
    elif day < EARLIEST:
        row.fail(name, "invalid_date", f"{name} {value} is before {EARLIEST.isoformat()}")
    return day


def _one(
    line: int, record: Mapping[str, str], errors: list[RowError], today: date
) -> OutsideCheck | None:
    row = _Row(line, dict(record), errors)
    code = row.text("enterprise_uscc", 18).upper()
    problem = uscc.find_problem(code) if code else None
    if problem:
        row.fail("enterprise_uscc", problem.code, problem.detail)
    product = row.text("product_name")
    model = row.text("model")
    authority = row.text("authority")
    level = _enum(row, "authority_level", AuthorityLevel, "authority_level")
    region = row.region("region_code", lambda _: True)
    plan_reference = row.text("plan_reference")
    check_type = _enum(row, "check_type", CheckType, "check_type")
    outcome = _enum(row, "outcome", Outcome, "outcome")
    sampling_date = _date(row, "sampling_date", today)
    report = row.record.get("report_number", "")
    if len(report) > 100:
        row.fail("report_number", "too_long", "report_number has more than 100 characters")
    if not row.ok:
        return None
    return OutsideCheck(
        line,
        code,
        product,
        model,
        authority,
        level,  # type: ignore[arg-type]
        region,
        plan_reference,
        check_type,  # type: ignore[arg-type]
        outcome,  # type: ignore[arg-type]
        sampling_date,  # type: ignore[arg-type]
        report,
    )


def _parse(
    rows: Iterable[tuple[int, Mapping[str, str]]], errors: list[RowError], today: date
) -> Parsed[OutsideCheck]:
    parsed: Parsed[OutsideCheck] = Parsed(errors=errors)
    for line, record in rows:
        check = _one(line, record, parsed.errors, today)
        if check is not None:
            parsed.items.append(check)
    return parsed


def parse_csv(text: str, today: date) -> Parsed[OutsideCheck]:
    rows, errors = read_csv(text, COLUMNS)
    return _parse(rows, errors, today)


def parse_records(records: Sequence[Mapping[str, object]], today: date) -> Parsed[OutsideCheck]:
    """A JSON batch: rows are numbered by their index in the list (from 0)."""
    rows = [
        (n, {k: ("" if v is None else str(v)).strip() for k, v in r.items()})
        for n, r in enumerate(records)
    ]
    return _parse(rows, [], today)


def find_duplicates(
    checks: list[OutsideCheck], keys: list[str], field: str = "plan_reference"
) -> list[RowError]:
    """Rows repeating an earlier row of the same batch (by ``dedupe_key``)."""
    seen: dict[str, int] = {}
    errors = []
    for check, key in zip(checks, keys, strict=True):
        if key in seen:
            errors.append(
                RowError(
                    check.line, field, "duplicate_record", f"the same check as row {seen[key]}"
                )
            )
        else:
            seen[key] = check.line
    return errors


def outside_jurisdiction(
    checks: list[OutsideCheck],
    region_of: Callable[[OutsideCheck], str],
    covers: Callable[[str], bool],
) -> list[RowError]:
    """Rows about enterprises outside the importing authority's region."""
    return [
        RowError(
            c.line,
            "enterprise_uscc",
            "outside_jurisdiction",
            f"the unit's region {region_of(c)} is outside your jurisdiction",
        )
        for c in checks
        if not covers(region_of(c))
    ]
