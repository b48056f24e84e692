"""Read side of the processes around the file: records other services proposed (the
regulator's queue) and disputes over published records."""

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, RowMapping

from services.credit.adapters.orm import DisputeRow, RecordProposalRow
from shared.auth import Principal
from shared.db import table_of
from shared.exceptions import NotFound

RECORD_PROPOSAL = table_of(RecordProposalRow)
DISPUTE = table_of(DisputeRow)


def proposal_view(row: RowMapping, today: date) -> dict[str, Any]:
    view = dict(row)
    view["overdue"] = view["status"] == "pending" and today > view["due_on"]
    return view


def record_proposals(
    conn: Connection,
    actor: Principal,
    today: date,
    *,
    status: str | None,
    uscc: str | None,
    limit: int,
) -> dict[str, Any]:
    """Proposals of enterprises in the regulator's jurisdiction, oldest deadline first."""
    stmt = select(RECORD_PROPOSAL).order_by(RECORD_PROPOSAL.c.due_on, RECORD_PROPOSAL.c.id)
    if status:
        stmt = stmt.where(RECORD_PROPOSAL.c.status == status)
    if uscc:
        stmt = stmt.where(RECORD_PROPOSAL.c.uscc == uscc)
    rows = [r for r in conn.execute(stmt).mappings() if actor.covers_region(r["region_code"])]
    return {"items": [proposal_view(r, today) for r in rows[:limit]]}


def record_proposal(conn: Connection, proposal_id: str, today: date) -> dict[str, Any]:
    row = (
        conn.execute(select(RECORD_PROPOSAL).where(RECORD_PROPOSAL.c.id == proposal_id))
        .mappings()
        .one()
    )
    return proposal_view(row, today)


def proposal_counts(conn: Connection, today: date) -> tuple[int, int]:
    """(pending, overdue): proposals awaiting a regulator, and those past their deadline."""
    pending = RECORD_PROPOSAL.c.status == "pending"
    total = conn.execute(select(func.count()).where(pending)).scalar_one()
    late = conn.execute(
        select(func.count()).where(pending, RECORD_PROPOSAL.c.due_on < today)
    ).scalar_one()
    return total, late


def dispute_for(conn: Connection, dispute_id: str, actor: Principal) -> dict[str, Any]:
    """The enterprise that filed it and regulators; absent for everyone else."""
    row = conn.execute(select(DISPUTE).where(DISPUTE.c.id == dispute_id)).mappings().first()
    if row is None or not (actor.is_regulator or actor.uscc == row["uscc"]):
        raise NotFound(f"no dispute {dispute_id}", code="dispute_not_found")
    return dict(row)
