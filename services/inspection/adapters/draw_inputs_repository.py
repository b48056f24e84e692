"""Draw contributions, the transparency log and recent teams, on the unit of work's session."""

import json
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, text, update
from sqlmodel import Session, col

from services.inspection.adapters.orm import SnapshotRow, TaskRow
from services.inspection.adapters.orm_draw_inputs import ContributionRow, TransparencyEntryRow
from services.inspection.domain import transparency
from services.inspection.domain.model import SnapshotStatus
from shared.db import take_append_lock

LOG_LOCK = "transparency_log"


class DrawInputsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- contributions ------------------------------------------------------------------------
    def add_contribution(self, row: ContributionRow) -> None:
        self.session.add(row)
        self.session.flush()

    def contribution(self, contribution_id: str) -> ContributionRow | None:
        stmt = select(ContributionRow).where(col(ContributionRow.id) == contribution_id)
        return self.session.execute(stmt.with_for_update()).scalar_one_or_none()

    def pending(self, plan_id: str) -> list[ContributionRow]:
        stmt = (
            select(ContributionRow)
            .where(
                col(ContributionRow.plan_id) == plan_id, col(ContributionRow.status) == "pending"
            )
            .order_by(col(ContributionRow.id))
            .with_for_update()
        )
        return list(self.session.execute(stmt).scalars())

    def of_snapshot(self, snapshot_id: str) -> list[ContributionRow]:
        stmt = (
            select(ContributionRow)
            .where(col(ContributionRow.snapshot_id) == snapshot_id)
            .order_by(col(ContributionRow.id))
        )
        return list(self.session.execute(stmt).scalars())

    def void_of_snapshots(self, snapshot_ids: list[str]) -> None:
        if snapshot_ids:
            self.session.execute(
                update(ContributionRow)
                .where(col(ContributionRow.snapshot_id).in_(snapshot_ids))
                .values(status="void")
            )

    def undrawn_snapshots(self, plan_id: str) -> list[tuple[str, str]]:
        """(id, snapshot hash) of the plan's committed, undrawn snapshots."""
        stmt = select(col(SnapshotRow.id), col(SnapshotRow.snapshot_hash)).where(
            col(SnapshotRow.plan_id) == plan_id, col(SnapshotRow.status) == SnapshotStatus.COMMITTED
        )
        return [(r[0], r[1]) for r in self.session.execute(stmt.order_by(col(SnapshotRow.id)))]

    # -- recent teams (for the recusals a freeze commits) -------------------------------------
    def recent_teams(self, since: datetime, exclude_draw: str | None) -> dict[str, set[str]]:
        """Enterprise USCC -> inspectors on its tasks assigned since ``since``, any enterprise."""
        sql = "SELECT enterprise_uscc, inspectors FROM task WHERE assigned_at >= :since "
        sql += "AND status != 'cancelled'"
        params: dict[str, Any] = {"since": since}
        if exclude_draw:
            sql += " AND draw_id != :exclude_draw"
            params["exclude_draw"] = exclude_draw
        assigned = TaskRow.__table__.c.assigned_at  # type: ignore[attr-defined]
        stmt = text(sql).bindparams(bindparam("since", type_=assigned.type))
        found: dict[str, set[str]] = {}
        for uscc, inspectors in self.session.connection().execute(stmt, params):
            if isinstance(inspectors, str):  # SQLite hands JSON back as text
                inspectors = json.loads(inspectors)
            found.setdefault(uscc, set()).update(inspectors)
        return found

    # -- the transparency log -----------------------------------------------------------------
    def append(self, at: datetime, kind: str, subject: str, payload: dict) -> dict[str, Any]:
        """Append one entry after the current head; appends are serialised until commit."""
        take_append_lock(self.session, LOG_LOCK)
        head = self.session.execute(
            select(col(TransparencyEntryRow.seq), col(TransparencyEntryRow.entry_hash))
            .order_by(col(TransparencyEntryRow.seq).desc())
            .limit(1)
        ).first()
        seq, prev = (head[0] + 1, head[1]) if head else (1, transparency.GENESIS)
        entry = transparency.make_entry(seq, at, kind, subject, payload, prev)
        self.session.add(TransparencyEntryRow(**entry))
        self.session.flush()
        return entry
