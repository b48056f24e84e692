"""Unit imports under "one unit, one key" and the regulator-maintained alias table (issue 13).

An imported row is matched to an existing unit by its normalised key (``domain.unit_key``),
so "M－24" and "m-24" of the same enterprise and product are one unit with one check history,
and a unit keeps its id across re-imports."""

from dataclasses import replace

from sqlalchemy import select

from services.inspection.adapters.orm import UnitRow
from services.inspection.adapters.orm_unit_key import UnitAliasRow, UnitKeyRow
from services.inspection.domain import unit_key as uk
from services.inspection.domain.roster import Parsed, RowError, Unit, parse_units
from services.inspection.service_layer import roster_authority
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.auth import Principal
from shared.auth.authority import Power, authorise
from shared.clock import utcnow
from shared.db import table_of
from shared.exceptions import Conflict, Forbidden, InvalidInput

MAX_ALIAS = 200
KEY = table_of(UnitKeyRow)


def load_aliases(uow: InspectionUnitOfWork) -> dict[tuple[str, str, str], str]:
    rows = uow.session.execute(select(UnitAliasRow)).scalars()
    return {(r.field, r.enterprise_uscc, r.alias): r.canonical for r in rows}


def keyed_units(uow: InspectionUnitOfWork, parsed: Parsed[Unit]) -> list[Unit]:
    """Give each parsed unit the id its key already has, or a new one (and record the key)."""
    aliases = load_aliases(uow)
    keys: list[str] = []
    seen: dict[str, int] = {}
    for n, u in enumerate(parsed.items):
        key = uk.unit_key(u.enterprise_uscc, u.product_name, u.model, aliases)
        if key in seen:
            parsed.errors.append(
                RowError(
                    n + 2,
                    "model",
                    "duplicate_unit",
                    f"the same unit as row {seen[key] + 2} after normalisation and aliases",
                )
            )
        seen.setdefault(key, n)
        keys.append(key)
    if parsed.errors:
        return []
    known: dict[str, str] = {}
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        known.update(
            uow.session.execute(select(KEY.c.key, KEY.c.unit_id).where(KEY.c.key.in_(chunk))).all()
        )
    units = []
    for u, key in zip(parsed.items, keys, strict=True):
        unit_id = known.get(key)
        if unit_id is None:
            unit_id = uk.new_unit_id(key)
            uow.session.add(UnitKeyRow(key=key, unit_id=unit_id, version=uk.VERSION))
        units.append(replace(u, id=unit_id))
    return units


def import_units(uow: InspectionUnitOfWork, text: str, actor: Principal) -> tuple[int, int, int]:
    """(rows, created, updated); all rows or none (422 with every row's problems)."""
    parsed = parse_units(text, actor.covers_region)
    _refuse(parsed)
    with uow:
        units = keyed_units(uow, parsed)
        _refuse(parsed)
        # who may change which rows, and the roster history (issue 10), on the keyed rows
        roster_authority.authorise_and_record(uow, "upsert_units", units, actor)
        created, updated = uow.rosters.upsert_units(units)
        uow.commit()
    return len(units), created, updated


def _refuse(parsed: Parsed[Unit]) -> None:
    if parsed.errors:
        raise InvalidInput(
            f"{len(parsed.errors)} problems in the file; nothing was imported",
            code="import_rows_invalid",
            errors=[e.as_doc() for e in parsed.errors[:1000]],
            error_count=len(parsed.errors),
        )
    if not parsed.items:
        raise InvalidInput("the file has no rows", code="import_empty")


def add_alias(
    uow: InspectionUnitOfWork,
    field: str,
    alias: str,
    canonical: str,
    reason: str,
    actor: Principal,
    enterprise_uscc: str = "",
) -> dict:
    """Record that ``alias`` names the same product name or model as ``canonical``."""
    norm_alias, norm_canonical = _checked_alias(field, alias, canonical, actor)
    with uow:
        scope = enterprise_uscc.upper()
        _authorise_alias(uow, actor, scope)
        aliases = load_aliases(uow)
        if (field, scope, norm_canonical) in aliases:
            raise Conflict(
                f"{canonical!r} is itself an alias; map to its canonical name",
                code="alias_chain",
                canonical=aliases[(field, scope, norm_canonical)],
            )
        existing = aliases.get((field, scope, norm_alias))
        if existing is not None and existing != norm_canonical:
            raise Conflict(
                f"{alias!r} is already an alias of {existing!r}",
                code="alias_conflict",
                canonical=existing,
            )
        if existing is None:
            uow.session.add(
                UnitAliasRow(
                    field=field,
                    enterprise_uscc=scope,
                    alias=norm_alias,
                    canonical=norm_canonical,
                    reason=reason.strip(),
                    created_by=actor.actor(),
                    created_at=utcnow(),
                )
            )
        uow.commit()
    return {
        "field": field,
        "enterprise_uscc": scope or None,
        "alias": norm_alias,
        "canonical": norm_canonical,
    }


def _checked_alias(field: str, alias: str, canonical: str, actor: Principal) -> tuple[str, str]:
    """The normalised alias and canonical name, once the request is one a regulator may make."""
    if not actor.is_regulator:
        raise Forbidden("only regulators maintain the alias table", code="role_not_allowed")
    if field not in uk.FIELDS:
        raise InvalidInput(
            "an alias maps a product name or a model; enterprises are never merged by alias",
            code="alias_merges_enterprises"
            if "uscc" in field or "enterprise" in field
            else "invalid_alias_field",
        )
    norm_alias, norm_canonical = uk.normalise(alias), uk.normalise(canonical)
    if not norm_alias or not norm_canonical or max(len(alias), len(canonical)) > MAX_ALIAS:
        raise InvalidInput("alias and canonical are 1 to 200 characters", code="invalid_alias")
    if norm_alias == norm_canonical:
        raise InvalidInput(
            "the two are the same after normalisation: no alias needed", code="alias_redundant"
        )
    return norm_alias, norm_canonical


def _authorise_alias(uow: InspectionUnitOfWork, actor: Principal, enterprise_uscc: str) -> None:
    """An alias for every enterprise is national; one enterprise's alias changes its units, so
    it needs the unit-roster power over every region its units are in (none yet: the region of
    its registration, USCC characters 3-8)."""
    if not enterprise_uscc:
        authorise(actor, Power.CHANGE_GLOBAL_UNIT_ALIAS)
        return
    unit = table_of(UnitRow)
    stmt = select(unit.c.region_code).where(unit.c.enterprise_uscc == enterprise_uscc)
    regions = set(uow.session.execute(stmt.distinct()).scalars()) or {enterprise_uscc[2:8]}
    for region in sorted(regions):
        authorise(actor, Power.CHANGE_ROSTER_UNIT, region)


def list_aliases(uow: InspectionUnitOfWork) -> list[dict]:
    with uow:
        return [
            {
                "field": f,
                "enterprise_uscc": u or None,
                "alias": a,
                "canonical": c,
            }
            for (f, u, a), c in sorted(load_aliases(uow).items())
        ]
