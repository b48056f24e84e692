"""Import other authorities' checks (issue 13, item 5): all rows or none, with provenance.

Each imported check becomes a ``check_record`` row (``task_id`` empty, ``plan_id`` the
outside check's id, ``ext-…``), appended under the same lock as local final results, so the
six-month rule counts it exactly like a local one: at the next freeze, and as a late exclusion
of a snapshot frozen before it arrived."""

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import insert, select

from services.inspection.adapters.orm import CheckRecordRow
from services.inspection.adapters.orm_outside import OutsideCheckRow
from services.inspection.adapters.orm_unit_key import UnitKeyRow
from services.inspection.domain import outside_checks as oc
from services.inspection.domain import unit_key as uk
from services.inspection.domain.roster import Parsed, RowError
from services.inspection.service_layer.unit_keys import KEY, load_aliases
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared import uscc
from shared.auth import Principal
from shared.auth.authority import RULES, Power, holds_level
from shared.clock import utcnow
from shared.db import table_of, take_append_lock
from shared.exceptions import Conflict, Forbidden, InvalidInput

OUTSIDE = table_of(OutsideCheckRow)
RECORD = table_of(CheckRecordRow)
OC, R = OUTSIDE.c, RECORD.c
_CHUNK = 1000
MAX_RECORDS = 50_000  # a JSON batch; CSV uploads are bounded by INSPECTION_MAX_IMPORT_BYTES


@dataclass
class ImportReport:
    rows: int
    imported: int
    duplicates: list[dict] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)


def authorise_level(actor: Principal) -> None:
    rule = RULES[Power.RECORD_OUTSIDE_CHECK]
    if not holds_level(actor, rule):
        raise Forbidden(
            f"{rule.power.value} needs a {rule.lowest_level.value} regulator or higher",
            code="authority_level_too_low" if actor.is_regulator else "role_not_allowed",
            power=rule.power.value,
        )


def _refuse(errors: list[RowError], rows: int) -> None:
    if errors:
        errors.sort(key=lambda e: e.row)
        raise InvalidInput(
            f"{len(errors)} problems in the batch; nothing was imported",
            code="import_rows_invalid",
            errors=[e.as_doc() for e in errors[:1000]],
            error_count=len(errors),
        )
    if rows == 0:
        raise InvalidInput("the batch has no rows", code="import_empty")


def _in_chunks(uow: InspectionUnitOfWork, stmt_of: Any, values: list[str]) -> list[Any]:
    found: list[Any] = []
    for start in range(0, len(values), _CHUNK):
        found.extend(uow.session.execute(stmt_of(values[start : start + _CHUNK])).all())
    return found


def _unit_ids(uow: InspectionUnitOfWork, keys: list[str]) -> list[str]:
    """The unit each key belongs to; a key seen for the first time is recorded with the id
    the unit import will give it, so a unit imported later inherits its outside checks."""
    known = dict(
        _in_chunks(
            uow,
            lambda c: select(KEY.c.key, KEY.c.unit_id).where(KEY.c.key.in_(c)),
            sorted(set(keys)),
        )
    )
    for key in sorted(set(keys) - set(known)):
        known[key] = uk.new_unit_id(key)
        uow.session.add(UnitKeyRow(key=key, unit_id=known[key], version=uk.VERSION))
    return [known[k] for k in keys]


def _regions(
    uow: InspectionUnitOfWork, checks: list[oc.OutsideCheck], units: list[str]
) -> dict[int, str]:
    """Line -> the unit's region: its roster row's, else the USCC's registration region."""
    rows = uow.rosters.units(set(units))
    return {
        c.line: rows[u]["region_code"] if u in rows else uscc.region_of(c.enterprise_uscc)
        for c, u in zip(checks, units, strict=True)
    }


def _existing(uow: InspectionUnitOfWork, dedupe: list[str]) -> dict[str, str]:
    stmt = lambda c: select(OC.dedupe_key, OC.id).where(OC.dedupe_key.in_(c))  # noqa: E731
    return dict(_in_chunks(uow, stmt, dedupe))


def import_checks(
    uow: InspectionUnitOfWork,
    parsed: Parsed[oc.OutsideCheck],
    source: str,
    actor: Principal,
    *,
    skip_duplicates: bool = False,
) -> ImportReport:
    """All rows or none. A row repeating a check already imported is 409
    ``outside_check_duplicate`` (every such row named), or skipped and reported with
    ``skip_duplicates``."""
    authorise_level(actor)
    _refuse(parsed.errors, len(parsed.items))
    checks = parsed.items
    with uow:
        aliases = load_aliases(uow)
        keys = [c.key(aliases) for c in checks]
        dedupe = [c.dedupe_key(k) for c, k in zip(checks, keys, strict=True)]
        units = _unit_ids(uow, keys)
        region = _regions(uow, checks, units)
        errors = oc.find_duplicates(checks, dedupe)
        errors += oc.outside_jurisdiction(checks, lambda c: region[c.line], actor.covers_region)
        _refuse(errors, len(checks))
        existing = _existing(uow, dedupe)
        duplicates = [
            {"row": c.line, "existing_id": existing[d]}
            for c, d in zip(checks, dedupe, strict=True)
            if d in existing
        ]
        if duplicates and not skip_duplicates:
            raise Conflict(
                f"{len(duplicates)} rows repeat checks already imported; nothing was imported",
                code="outside_check_duplicate",
                duplicates=duplicates[:1000],
                duplicate_count=len(duplicates),
            )
        fresh = [
            (c, u, d) for c, u, d in zip(checks, units, dedupe, strict=True) if d not in existing
        ]
        ids = _store(uow, fresh, source, actor.actor())
        uow.commit()
    return ImportReport(len(checks), len(ids), duplicates, ids)


def _store(
    uow: InspectionUnitOfWork,
    fresh: list[tuple[oc.OutsideCheck, str, str]],
    source: str,
    actor: str,
) -> list[str]:
    if not fresh:
        return []
    now = utcnow()
    ids = [f"ext-{uuid.uuid4().hex}" for _ in fresh]
    records = [
        {
            "unit_id": unit,
            "enterprise_uscc": c.enterprise_uscc,
            "task_id": None,
            "plan_id": ident,
            "authority_level": c.authority_level.value,
            "region_code": c.region_code,
            "check_type": c.check_type.value,
            "outcome": c.outcome.value,
            "sampling_date": c.sampling_date,
            "recorded_at": now,
        }
        for ident, (c, unit, _) in zip(ids, fresh, strict=True)
    ]
    # ids become visible in commit order, as for local results (snapshot watermarks)
    take_append_lock(uow.session, "check_record")
    for start in range(0, len(records), _CHUNK):
        uow.session.execute(insert(RECORD), records[start : start + _CHUNK])
    stmt = lambda c: select(R.plan_id, R.id).where(R.plan_id.in_(c))  # noqa: E731
    record_ids = dict(_in_chunks(uow, stmt, ids))
    rows = [
        {
            "id": ident,
            "check_record_id": record_ids[ident],
            "dedupe_key": dedupe,
            "unit_id": unit,
            "enterprise_uscc": c.enterprise_uscc,
            "product_name": c.product_name,
            "model": c.model,
            "authority": c.authority,
            "authority_level": c.authority_level.value,
            "region_code": c.region_code,
            "plan_reference": c.plan_reference,
            "check_type": c.check_type.value,
            "outcome": c.outcome.value,
            "sampling_date": c.sampling_date,
            "report_number": c.report_number,
            "source": source,
            "imported_by": actor,
            "imported_at": now,
        }
        for ident, (c, unit, dedupe) in zip(ids, fresh, strict=True)
    ]
    for start in range(0, len(rows), _CHUNK):
        uow.session.execute(insert(OUTSIDE), rows[start : start + _CHUNK])
    return ids


def import_csv(
    uow: InspectionUnitOfWork, text: str, actor: Principal, today: date, *, skip_duplicates: bool
) -> ImportReport:
    authorise_level(actor)
    return import_checks(
        uow, oc.parse_csv(text, today), "csv", actor, skip_duplicates=skip_duplicates
    )


def import_records(
    uow: InspectionUnitOfWork,
    records: list[dict[str, Any]],
    actor: Principal,
    today: date,
    *,
    skip_duplicates: bool,
) -> ImportReport:
    authorise_level(actor)
    if len(records) > MAX_RECORDS:
        raise InvalidInput(f"at most {MAX_RECORDS} records per request", code="too_many_records")
    return import_checks(
        uow, oc.parse_records(records, today), "api", actor, skip_duplicates=skip_duplicates
    )


def get(uow: InspectionUnitOfWork, check_id: str, actor: Principal) -> dict[str, Any] | None:
    """An imported check, for regulators covering the unit's enterprise region."""
    with uow:
        row = uow.session.execute(select(OUTSIDE).where(OC.id == check_id)).mappings().first()
        if row is None:
            return None
        unit = uow.rosters.unit(row["unit_id"])
        region = unit["region_code"] if unit else uscc.region_of(row["enterprise_uscc"])
        return dict(row) if actor.covers_region(region) else None
