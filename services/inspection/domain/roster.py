"""The rosters ("一单两库"): inspection units, inspectors and testing labs, and their CSV rows.

Bulk imports validate every row first and report each bad row with its line number, field and
a machine-readable code; only a file without errors is imported (all rows in one transaction).
"""

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from services.inspection.domain import unit_key
from services.inspection.domain.model import RiskClass
from shared import uscc

REGION = re.compile(r"^\d{6}$")
MEMBER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_. ]{1,63}$")
LIST_SEPARATOR = ";"


def unit_id_for(enterprise_uscc: str, product_name: str, model: str) -> str:
    """Id of a new unit: "the same enterprise's product of the same specification/model",
    by its normalised key (``unit_key``; without aliases, which the import applies)."""
    return unit_key.new_unit_id(unit_key.unit_key(enterprise_uscc, product_name, model))


@dataclass(frozen=True)
class Unit:
    id: str
    enterprise_uscc: str
    enterprise_name: str
    product_name: str
    model: str
    industry: str
    product_category: str
    region_code: str
    risk_class: RiskClass


@dataclass(frozen=True)
class Inspector:
    id: str
    name: str
    department: str
    region_code: str
    qualifications: tuple[str, ...]
    expertise: tuple[str, ...]  # product categories
    conflicts: tuple[str, ...]  # USCCs of enterprises with a declared conflict of interest
    active: bool = True


@dataclass(frozen=True)
class Lab:
    id: str
    name: str
    region_code: str
    accredited_categories: tuple[str, ...]
    conflicts: tuple[str, ...]
    active: bool = True


@dataclass(frozen=True)
class RowError:
    row: int  # line number in the file (the header is line 1)
    field: str
    code: str
    message: str

    def as_doc(self) -> dict:
        return {"row": self.row, "field": self.field, "code": self.code, "message": self.message}


T = TypeVar("T")


@dataclass
class Parsed(Generic[T]):
    items: list[T] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


UNIT_COLUMNS = (
    "enterprise_uscc",
    "enterprise_name",
    "product_name",
    "model",
    "industry",
    "product_category",
    "region_code",
    "risk_class",
)
INSPECTOR_COLUMNS = (
    "inspector_id",
    "name",
    "department",
    "region_code",
    "qualifications",
    "expertise",
    "conflicts",
)
LAB_COLUMNS = ("lab_id", "name", "region_code", "accredited_categories", "conflicts")


def read_csv(
    text: str, columns: Iterable[str]
) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """Rows of a CSV with a header line, each with its line number; missing columns are errors."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = reader.fieldnames or []
    missing = [c for c in columns if c not in header]
    if missing:
        return [], [
            RowError(1, c, "missing_column", f"the header has no column {c!r}") for c in missing
        ]
    rows = []
    errors = []
    try:
        for record in reader:
            line = reader.line_num
            if None in record:
                errors.append(
                    RowError(line, "", "too_many_fields", "the row has more fields than the header")
                )
                continue
            rows.append((line, {k: (v or "").strip() for k, v in record.items()}))
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, "", "malformed_csv", str(exc)))
    return rows, errors


def _split(value: str) -> tuple[str, ...]:
    return tuple(sorted({p.strip() for p in value.split(LIST_SEPARATOR) if p.strip()}))


class _Row:
    """Collects the errors of one row while its fields are read."""

    def __init__(self, line: int, record: dict[str, str], errors: list[RowError]) -> None:
        self.line, self.record, self.errors = line, record, errors
        self.ok = True

    def fail(self, name: str, code: str, message: str) -> None:
        self.ok = False
        self.errors.append(RowError(self.line, name, code, message))

    def text(self, name: str, max_length: int = 200) -> str:
        value = self.record.get(name, "")
        if not value:
            self.fail(name, "required", f"{name} is required")
        elif len(value) > max_length:
            self.fail(name, "too_long", f"{name} has more than {max_length} characters")
        return value

    def region(self, name: str, covers: Callable[[str], bool]) -> str:
        value = self.text(name)
        if value and not REGION.match(value):
            self.fail(name, "invalid_region_code", f"{value!r} is not a 6-digit GB/T 2260 code")
        elif value and not covers(value):
            self.fail(name, "outside_jurisdiction", f"region {value} is outside your jurisdiction")
        return value

    def member_id(self, name: str) -> str:
        value = self.text(name, 64)
        if value and not MEMBER_ID.match(value):
            self.fail(name, "invalid_id", f"{value!r} is not a valid id")
        return value

    def usccs(self, name: str) -> tuple[str, ...]:
        values = _split(self.record.get(name, ""))
        for value in values:
            problem = uscc.find_problem(value.upper())
            if problem:
                self.fail(name, problem.code, f"{value}: {problem.detail}")
        return tuple(v.upper() for v in values)


def parse_units(text: str, covers: Callable[[str], bool]) -> Parsed[Unit]:
    rows, errors = read_csv(text, UNIT_COLUMNS)
    parsed: Parsed[Unit] = Parsed(errors=errors)
    seen: dict[str, int] = {}
    for line, record in rows:
        row = _Row(line, record, parsed.errors)
        code = row.text("enterprise_uscc", 18).upper()
        problem = uscc.find_problem(code) if code else None
        if problem:
            row.fail("enterprise_uscc", problem.code, problem.detail)
        name = row.text("enterprise_name")
        product = row.text("product_name")
        model = row.text("model")
        industry = row.text("industry", 64)
        category = row.text("product_category", 64)
        region = row.region("region_code", covers)
        risk = record.get("risk_class", "").upper()
        if risk not in RiskClass.__members__:
            row.fail(
                "risk_class",
                "invalid_risk_class",
                f"risk_class must be one of A, B, C, D, not {risk!r}",
            )
        if not row.ok:
            continue
        unit_id = unit_id_for(code, product, model)
        if unit_id in seen:
            row.fail(
                "model", "duplicate_unit", f"the same product and model as line {seen[unit_id]}"
            )
            continue
        seen[unit_id] = line
        parsed.items.append(
            Unit(unit_id, code, name, product, model, industry, category, region, RiskClass(risk))
        )
    return parsed


def parse_inspectors(text: str, covers: Callable[[str], bool]) -> Parsed[Inspector]:
    rows, errors = read_csv(text, INSPECTOR_COLUMNS)
    parsed: Parsed[Inspector] = Parsed(errors=errors)
    seen: dict[str, int] = {}
    for line, record in rows:
        row = _Row(line, record, parsed.errors)
        member = row.member_id("inspector_id")
        name = row.text("name", 100)
        department = row.text("department", 100)
        region = row.region("region_code", covers)
        expertise = _split(record.get("expertise", ""))
        if not expertise:
            row.fail("expertise", "required", "an inspector has at least one product category")
        conflicts = row.usccs("conflicts")
        if member in seen:
            row.fail("inspector_id", "duplicate_id", f"already on line {seen[member]}")
        if not row.ok:
            continue
        seen[member] = line
        parsed.items.append(
            Inspector(
                member,
                name,
                department,
                region,
                _split(record.get("qualifications", "")),
                expertise,
                conflicts,
            )
        )
    return parsed


def parse_labs(text: str, covers: Callable[[str], bool]) -> Parsed[Lab]:
    rows, errors = read_csv(text, LAB_COLUMNS)
    parsed: Parsed[Lab] = Parsed(errors=errors)
    seen: dict[str, int] = {}
    for line, record in rows:
        row = _Row(line, record, parsed.errors)
        member = row.member_id("lab_id")
        name = row.text("name")
        region = row.region("region_code", covers)
        categories = _split(record.get("accredited_categories", ""))
        if not categories:
            row.fail(
                "accredited_categories", "required", "a lab is accredited for at least one category"
            )
        conflicts = row.usccs("conflicts")
        if member in seen:
            row.fail("lab_id", "duplicate_id", f"already on line {seen[member]}")
        if not row.ok:
            continue
        seen[member] = line
        parsed.items.append(Lab(member, name, region, categories, conflicts))
    return parsed
