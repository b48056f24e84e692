"""Roster imports: units, inspectors and labs from CSV, all rows or none."""

from dataclasses import dataclass

from services.inspection.domain.roster import parse_inspectors, parse_labs
from services.inspection.service_layer import (
    roster_authority,
    unit_keys,
)
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.auth import Principal
from shared.exceptions import InvalidInput


@dataclass(frozen=True)
class ImportReport:
    rows: int
    created: int
    updated: int


def _import(uow: InspectionUnitOfWork, parsed: object, save: str, actor: Principal) -> ImportReport:
    errors = parsed.errors  # type: ignore[attr-defined]
    items = parsed.items  # type: ignore[attr-defined]
    if errors:
        raise InvalidInput(
            f"{len(errors)} problems in the file; nothing was imported",
            code="import_rows_invalid",
            errors=[e.as_doc() for e in errors[:1000]],
            error_count=len(errors),
        )
    if not items:
        raise InvalidInput("the file has no rows", code="import_empty")
    with uow:
        roster_authority.authorise_and_record(uow, save, items, actor)
        created, updated = getattr(uow.rosters, save)(items)
        uow.commit()
    return ImportReport(len(items), created, updated)


def import_units(uow: InspectionUnitOfWork, text: str, actor: Principal) -> ImportReport:
    return ImportReport(*unit_keys.import_units(uow, text, actor))  # one unit, one key


def import_inspectors(uow: InspectionUnitOfWork, text: str, actor: Principal) -> ImportReport:
    return _import(uow, parse_inspectors(text, actor.covers_region), "upsert_inspectors", actor)


def import_labs(uow: InspectionUnitOfWork, text: str, actor: Principal) -> ImportReport:
    roster_authority.authorise_level("upsert_labs", actor)
    return _import(uow, parse_labs(text, actor.covers_region), "upsert_labs", actor)
