"""Who may change roster rows, and the roster history (issue 10).

A row is changed only by an authority whose region covers the row's *current* region (so a
city cannot take over another city's inspectors by re-importing their ids with its own region),
labs only by provincial authorities or higher (``shared.auth.authority``), and every created or
changed row is kept in ``roster_history`` with the row before and after.
"""

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import Table, insert, select

from services.inspection.adapters.orm import RosterHistoryRow
from services.inspection.adapters.tables import INSPECTOR, LAB, UNIT
from services.inspection.service_layer import roster_versions
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.auth import Principal
from shared.auth.authority import RULES, Power, holds_level
from shared.clock import utcnow
from shared.db import table_of
from shared.exceptions import Forbidden

KINDS: dict[str, tuple[str, Table, Power]] = {
    "upsert_units": ("unit", UNIT, Power.CHANGE_ROSTER_UNIT),
    "upsert_inspectors": ("inspector", INSPECTOR, Power.CHANGE_ROSTER_INSPECTOR),
    "upsert_labs": ("lab", LAB, Power.CHANGE_ROSTER_LAB),
}
HISTORY = table_of(RosterHistoryRow)
_CHUNK = 1000


def _current(uow: InspectionUnitOfWork, table: Table, ids: list[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for start in range(0, len(ids), _CHUNK):
        stmt = select(table).where(table.c.id.in_(ids[start : start + _CHUNK]))
        for row in uow.session.execute(stmt).mappings():
            found[row["id"]] = dict(row)
    return found


def _comparable(row: dict[str, Any], columns: Sequence[str]) -> dict[str, Any]:
    return {c: to_jsonable_python(row.get(c)) for c in columns}


def authorise_level(save: str, actor: Principal) -> None:
    """Before anything is parsed: labs are kept by provincial authorities or higher."""
    kind, _, power = KINDS[save]
    rule = RULES[power]
    if not holds_level(actor, rule):
        raise Forbidden(
            f"{kind} rows are kept by {rule.lowest_level.value} authorities or higher",
            code="authority_level_too_low",
            power=power.value,
        )


def authorise_and_record(
    uow: InspectionUnitOfWork, save: str, items: Sequence[Any], actor: Principal
) -> None:
    """Inside the import's transaction, before the upsert: refuse, or write the history."""
    authorise_level(save, actor)
    kind, table, _ = KINDS[save]
    current = _current(uow, table, [i.id for i in items])
    foreign = sorted(i for i, row in current.items() if not actor.covers_region(row["region_code"]))
    if foreign:
        raise Forbidden(
            f"{len(foreign)} {kind} rows belong to another region's authority; nothing was imported",
            code="roster_row_outside_jurisdiction",
            rows=foreign[:100],
        )
    now, who = utcnow(), actor.actor()
    history = []
    for item in items:
        after = to_jsonable_python(asdict(item))
        before_row = current.get(item.id)
        before = _comparable(before_row, list(after)) if before_row else None
        if before == after:
            continue  # unchanged rows leave no history
        history.append(
            {
                "kind": kind,
                "row_id": item.id,
                "change": "updated" if before_row else "created",
                "before": before,
                "after": after,
                "actor": who,
                "occurred_at": now,
            }
        )
    if history:  # a change makes a new roster version (issue 13, item 4)
        version = roster_versions.next_version(uow.session, kind, len(history), who)
        for entry in history:
            entry["roster_version"] = version
    for start in range(0, len(history), _CHUNK):
        uow.session.execute(insert(HISTORY), history[start : start + _CHUNK])


def history(uow: InspectionUnitOfWork, kind: str, row_id: str) -> list[dict[str, Any]]:
    with uow:
        stmt = (
            select(HISTORY)
            .where(HISTORY.c.kind == kind, HISTORY.c.row_id == row_id)
            .order_by(HISTORY.c.id)
        )
        return [dict(r) for r in uow.session.execute(stmt).mappings()]
