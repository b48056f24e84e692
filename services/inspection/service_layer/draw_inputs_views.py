"""Public reads of draw contributions and of the transparency log (no login needed)."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from services.inspection.adapters.orm import SnapshotRow
from services.inspection.adapters.orm_draw_inputs import ContributionRow, TransparencyEntryRow
from services.inspection.domain import draw_seed
from shared.db import table_of

CONTRIBUTION = table_of(ContributionRow)
LOG = table_of(TransparencyEntryRow)
SNAPSHOT = table_of(SnapshotRow)
C, L, S = CONTRIBUTION.c, LOG.c, SNAPSHOT.c


def contributions(conn: Connection, snapshot_id: str) -> list[dict[str, Any]]:
    """The contributions a snapshot lists: commitments, and values once revealed."""
    rows = conn.execute(
        select(C.id, C.role, C.commitment, C.value_hex, C.committed_at, C.revealed_at)
        .where(C.snapshot_id == snapshot_id)
        .order_by(C.id)
    )
    return [
        {
            "id": r.id,
            "role": r.role,
            "commitment": r.commitment,
            "value": r.value_hex,
            "committed_at": r.committed_at,
            "revealed_at": r.revealed_at,
        }
        for r in rows
    ]


def for_record(conn: Connection, snapshot_id: str, seed_hex: str, snapshot_hash: str) -> dict:
    """What a draw record adds: the revealed contributions and the draw seed they give."""
    section = conn.execute(
        select(S.header["contributions"].as_json()).where(S.id == snapshot_id)
    ).scalar()
    if not section:
        return {}
    revealed = [
        {"id": c["id"], "role": c["role"], "commitment": c["commitment"], "value": c["value"]}
        for c in contributions(conn, snapshot_id)
    ]
    checked = draw_seed.check_contributions(
        section, revealed, bytes.fromhex(seed_hex), snapshot_hash
    )
    return {
        "contributions": revealed,
        "contributions_required": section.get("required", 0),
        "draw_seed": checked.draw_seed.hex() if checked.draw_seed else None,
    }


def log_page(conn: Connection, after: int, limit: int) -> dict[str, Any]:
    rows = conn.execute(select(LOG).where(L.seq > after).order_by(L.seq).limit(limit)).all()
    entries = [dict(r._mapping) for r in rows]
    head = conn.execute(select(L.seq, L.entry_hash).order_by(L.seq.desc()).limit(1)).first()
    return {
        "entries": entries,
        "next_after": entries[-1]["seq"] if len(entries) == limit else None,
        "head": {"seq": head.seq, "entry_hash": head.entry_hash} if head else None,
    }
