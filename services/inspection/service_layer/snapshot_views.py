"""Read side of snapshots and draws (the public verification data). Single SQLAlchemy Core
queries, no ORM objects."""

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.engine import Connection

from services.inspection.adapters.snapshot_reads import read_snapshot_units
from services.inspection.adapters.tables import DRAW, SNAPSHOT, SNAPSHOT_EXCLUSION, TASK
from services.inspection.domain.draw import DRAW_FORMAT, canonical_bytes
from shared.exceptions import NotFound
from shared.pagination import cut_page, decode_cursor


def snapshot_public(conn: Connection, snapshot_id: str) -> dict[str, Any]:
    row = conn.execute(
        select(
            SNAPSHOT.c.id,
            SNAPSHOT.c.plan_id,
            SNAPSHOT.c.status,
            SNAPSHOT.c.policy_version,
            SNAPSHOT.c.frozen_on,
            SNAPSHOT.c.snapshot_hash,
            SNAPSHOT.c.seed_commitment,
            SNAPSHOT.c.unit_count,
            SNAPSHOT.c.excluded_count,
            SNAPSHOT.c.created_at,
            SNAPSHOT.c.header["algorithm"].as_string().label("algorithm"),
            SNAPSHOT.c.header["roster_version"].as_integer().label("roster_version"),
        ).where(SNAPSHOT.c.id == snapshot_id)
    ).first()
    if row is None:
        raise NotFound(f"no snapshot {snapshot_id}", code="snapshot_not_found")
    view = dict(row._mapping)
    view["document_url"] = f"/public/snapshots/{snapshot_id}/document"
    view["exclusions_url"] = f"/public/snapshots/{snapshot_id}/exclusions"
    draw = conn.execute(select(DRAW.c.id).where(DRAW.c.snapshot_id == snapshot_id)).scalar()
    view["draw_id"] = draw
    return view


def snapshot_document(conn: Connection, header: dict, units: dict) -> bytes:
    return canonical_bytes({**header, "units": units})


def document_bytes(conn: Connection, snapshot_id: str) -> bytes:
    """The snapshot document in its canonical serialisation: its SHA-256 is the snapshot hash."""
    header = snapshot_header(conn, snapshot_id)
    return snapshot_document(conn, header, read_snapshot_units(conn, snapshot_id))


def snapshot_header(conn: Connection, snapshot_id: str) -> dict:
    header = conn.execute(select(SNAPSHOT.c.header).where(SNAPSHOT.c.id == snapshot_id)).scalar()
    if header is None:
        raise NotFound(f"no snapshot {snapshot_id}", code="snapshot_not_found")
    return header  # type: ignore[no-any-return]


def exclusions(
    conn: Connection,
    snapshot_id: str,
    *,
    cursor: str | None,
    limit: int,
    withheld: Select[Any] | None = None,
) -> dict[str, Any]:
    """Every unit in scope that was not eligible, with the rule and the check that caused it;
    without the units ``withheld`` selects (the public list leaves out those whose cause is
    another plan's still-secret task)."""
    snapshot_public(conn, snapshot_id)
    conditions = [
        SNAPSHOT_EXCLUSION.c.snapshot_id == snapshot_id,
        SNAPSHOT_EXCLUSION.c.unit_id > decode_cursor(cursor),
    ]
    if withheld is not None:
        conditions.append(SNAPSHOT_EXCLUSION.c.unit_id.notin_(withheld))
    rows = conn.execute(
        select(
            SNAPSHOT_EXCLUSION.c.unit_id,
            SNAPSHOT_EXCLUSION.c.rule,
            SNAPSHOT_EXCLUSION.c.cause_task_id,
            SNAPSHOT_EXCLUSION.c.cause_plan_id,
            SNAPSHOT_EXCLUSION.c.cause_authority_level,
            SNAPSHOT_EXCLUSION.c.cause_region_code,
            SNAPSHOT_EXCLUSION.c.cause_date,
        )
        .where(*conditions)
        .order_by(SNAPSHOT_EXCLUSION.c.unit_id)
        .limit(limit + 1)
    ).all()
    page, next_cursor = cut_page(rows, limit, lambda r: r.unit_id)
    return {
        "items": [exclusion_doc(r) for r in page],
        "next_cursor": next_cursor,
    }


def exclusion_doc(row: Any) -> dict[str, Any]:
    """One excluded unit with the rule and the check that caused it."""
    return {
        "unit_id": row.unit_id,
        "rule": row.rule,
        "cause": {
            "task_id": row.cause_task_id,
            "plan_id": row.cause_plan_id,
            "authority_level": row.cause_authority_level,
            "region_code": row.cause_region_code,
            "date": row.cause_date,
        },
    }


def draw_row(conn: Connection, draw_id: str) -> Any:
    row = conn.execute(
        select(DRAW, SNAPSHOT.c.snapshot_hash, SNAPSHOT.c.seed_commitment)
        .join(SNAPSHOT, SNAPSHOT.c.id == DRAW.c.snapshot_id)
        .where(DRAW.c.id == draw_id)
    ).first()
    if row is None:
        raise NotFound(f"no draw {draw_id}", code="draw_not_found")
    return row


def draw_public(conn: Connection, draw_id: str) -> dict[str, Any]:
    row = draw_row(conn, draw_id)
    return {
        "id": row.id,
        "plan_id": row.plan_id,
        "snapshot_id": row.snapshot_id,
        "status": row.status,
        "algorithm": row.algorithm,
        "seed": row.seed_hex,
        "seed_commitment": row.seed_commitment,
        "snapshot_hash": row.snapshot_hash,
        "result_digest": row.result_digest,
        "selected_count": row.selected_count,
        "strata": row.strata,
        "late_exclusions": row.late_exclusions,
        "supersedes_draw_id": row.supersedes_draw_id,
        "superseded_by": row.superseded_by,
        "redraw_reason": row.redraw_reason,
        "drawn_at": row.drawn_at,
        "verification_url": f"/public/draws/{row.id}/verification",
        "snapshot_url": f"/public/snapshots/{row.snapshot_id}/document",
    }


def verification_bundle(conn: Connection, draw_id: str) -> dict[str, Any]:
    """Everything the offline verifier needs besides the snapshot document."""
    row = draw_row(conn, draw_id)
    selection = [
        {
            "unit_id": t.unit_id,
            "stratum": t.stratum,
            "rank": t.rank,
            "inspectors": list(t.inspectors),
            "lab": t.lab_id,
        }
        for t in conn.execute(
            select(TASK.c.unit_id, TASK.c.stratum, TASK.c.rank, TASK.c.inspectors, TASK.c.lab_id)
            .where(TASK.c.draw_id == draw_id)
            .order_by(TASK.c.stratum, TASK.c.rank)
        )
    ]
    return {
        "format": DRAW_FORMAT,
        "algorithm": row.algorithm,
        "draw_id": row.id,
        "plan_id": row.plan_id,
        "snapshot_id": row.snapshot_id,
        "seed": row.seed_hex,
        "seed_commitment": row.seed_commitment,
        "snapshot_hash": row.snapshot_hash,
        "late_exclusions": row.late_exclusions,
        "recusals": row.recusals,
        "selection": selection,
        "result_digest": row.result_digest,
        "snapshot_url": f"/public/snapshots/{row.snapshot_id}/document",
    }
