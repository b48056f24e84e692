"""Reading a snapshot back: one query on the driver's cursor, no Row objects."""

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    text,
)
from sqlalchemy.engine import Connection

from services.inspection.adapters.sql_lists import list_value, one_of
from services.inspection.domain.draw import UNIT_COLUMNS, paused_gc


def read_snapshot_units(
    conn: Connection, snapshot_id: str, columns: Sequence[str] = UNIT_COLUMNS
) -> dict[str, list]:
    """A snapshot's unit columns sorted by unit id (code-point order): one query on the
    driver's cursor, no Row objects. Reading every column is the benchmark's baseline."""
    postgres = conn.dialect.name == "postgresql"
    unknown = set(columns) - set(UNIT_COLUMNS)
    if unknown:
        raise ValueError(f"not snapshot columns: {unknown}")
    sql = (
        f"SELECT {', '.join(columns)} FROM snapshot_entry "
        f"WHERE snapshot_id = {'%s' if postgres else '?'} ORDER BY unit_id"
    )
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with paused_gc():
        try:
            cursor.execute(sql, (snapshot_id,))
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if not rows:
            return {c: [] for c in columns}
        return dict(zip(columns, map(list, zip(*rows, strict=True)), strict=True))


def returned_columns(conn: Connection, stmt: Any, columns: Sequence[str]) -> dict[str, list]:
    """Run ``stmt`` (an INSERT ... RETURNING ordinal, *columns) on the driver's cursor, no Row
    objects; the returned columns in ordinal order (what reading the snapshot back gives)."""
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    if compiled.positiontup is not None:  # SQLite: qmark parameters
        params = tuple(params[name] for name in compiled.positiontup)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with paused_gc():
        try:
            cursor.execute(str(compiled), params)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if not rows:
            return {c: [] for c in columns}
        ordinals, *values = map(list, zip(*rows, strict=True))
        if ordinals != list(range(len(ordinals))):  # RETURNING promises no order
            order = sorted(range(len(ordinals)), key=ordinals.__getitem__)
            values = [[column[i] for i in order] for column in values]
        return dict(zip(columns, values, strict=True))


def read_snapshot_details(
    conn: Connection, snapshot_id: str, positions: Sequence[int]
) -> dict[int, tuple]:
    """Ordinal -> (unit_id, enterprise_uscc, region_code, product_category) for some units."""
    if not positions:
        return {}
    # SQLite's planner would rather walk the whole snapshot in key order than probe the
    # ordinal index once per drawn unit (three times slower): name the index
    table = (
        "snapshot_entry"
        if conn.dialect.name == "postgresql"
        else "snapshot_entry INDEXED BY uq_snapshot_entry_ordinal"
    )
    stmt = text(
        f"SELECT ordinal, unit_id, enterprise_uscc, region_code, product_category FROM {table} "
        f"WHERE snapshot_id = :snapshot_id AND {one_of(conn, 'ordinal', 'positions')}"
    )
    params = {"snapshot_id": snapshot_id, "positions": list_value(conn, positions)}
    return {row[0]: row[1:] for row in conn.execute(stmt, params)}


def read_snapshot_ordinals(
    conn: Connection, snapshot_id: str, unit_ids: Iterable[str]
) -> dict[str, int]:
    """Unit id -> ordinal (position in the snapshot) for those of ``unit_ids`` it holds."""
    wanted = list(unit_ids)
    if not wanted:
        return {}
    stmt = text(
        "SELECT unit_id, ordinal FROM snapshot_entry "
        f"WHERE snapshot_id = :snapshot_id AND {one_of(conn, 'unit_id', 'ids')}"
    )
    rows = conn.execute(stmt, {"snapshot_id": snapshot_id, "ids": list_value(conn, wanted)})
    return {unit_id: ordinal for unit_id, ordinal in rows}
