"""Tasks, their claims on units, and their results (with the check history they feed)."""

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    bindparam,
    delete,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlmodel import Session, col

from services.inspection.adapters.bulk import insert_rows
from services.inspection.adapters.orm import (
    CheckRecordRow,
    ResultRow,
    TaskRow,
)
from services.inspection.adapters.sql_lists import list_value, one_of
from services.inspection.adapters.tables import (
    CLAIM,
    RESULT,
    TASK,
    UNIT,
)
from services.inspection.domain.model import (
    FailedItem,
    Outcome,
    Plan,
    Result,
    ResultStatus,
)
from shared.clock import utcnow
from shared.db import take_append_lock


class TaskRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, task_id: str, *, for_update: bool = False) -> TaskRow | None:
        stmt = select(TaskRow).where(col(TaskRow.id) == task_id)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.execute(stmt).scalar_one_or_none()

    def add_many(self, rows: list[dict]) -> None:
        insert_rows(self.session, TASK, rows)

    def claim_units_of_draw(self, draw_id: str, level: str, region_code: str, at: datetime) -> None:
        """One claim per drawn unit, in the draw's transaction; a unit another authority
        claimed concurrently makes this statement fail on the primary key."""
        stmt = insert(CLAIM).from_select(
            ["unit_id", "task_id", "plan_id", "authority_level", "region_code", "claimed_at"],
            select(
                TASK.c.unit_id,
                TASK.c.id,
                TASK.c.plan_id,
                literal(level),
                literal(region_code),
                literal(at, UNIT.c.updated_at.type),
            ).where(TASK.c.draw_id == draw_id),
        )
        self.session.execute(stmt)

    def release_claim(self, task_id: str) -> None:
        self.session.execute(delete(CLAIM).where(CLAIM.c.task_id == task_id))

    def cancel_draw_tasks(self, draw_id: str, reason: str) -> None:
        self.session.execute(
            delete(CLAIM).where(
                CLAIM.c.task_id.in_(select(TASK.c.id).where(TASK.c.draw_id == draw_id))
            )
        )
        self.session.execute(
            update(TASK)
            .where(TASK.c.draw_id == draw_id, TASK.c.status != "cancelled")
            .values(status="cancelled", cancel_reason=reason)
        )

    def results_exist(self, draw_id: str) -> bool:
        stmt = (
            select(col(ResultRow.task_id))
            .join(TaskRow, col(TaskRow.id) == col(ResultRow.task_id))
            .where(col(TaskRow.draw_id) == draw_id)
            .limit(1)
        )
        return self.session.execute(stmt).first() is not None

    def recent_teams(
        self, enterprises: Iterable[str], since: datetime, exclude_draw: str | None
    ) -> dict[str, set[str]]:
        """Enterprise USCC -> inspectors on its tasks assigned since ``since`` (for recusal)."""
        wanted = sorted(set(enterprises))
        if not wanted:
            return {}
        conn = self.session.connection()
        sql = (
            "SELECT enterprise_uscc, inspectors FROM task "
            f"WHERE {one_of(conn, 'enterprise_uscc', 'wanted')} "
            "AND assigned_at >= :since AND status != 'cancelled'"
        )
        params: dict[str, Any] = {"wanted": list_value(conn, wanted), "since": since}
        if exclude_draw:
            sql += " AND draw_id != :exclude_draw"
            params["exclude_draw"] = exclude_draw
        stmt = text(sql).bindparams(bindparam("since", type_=TASK.c.assigned_at.type))
        found: dict[str, set[str]] = {}
        for uscc, inspectors in conn.execute(stmt, params):
            if isinstance(inspectors, str):  # SQLite hands JSON back as text
                inspectors = json.loads(inspectors)
            found.setdefault(uscc, set()).update(inspectors)
        return found

    def set_status(self, task_id: str, status: str, published_at: datetime | None = None) -> None:
        values: dict[str, Any] = {"status": status}
        if published_at is not None:
            values["published_at"] = published_at
        self.session.execute(update(TASK).where(TASK.c.id == task_id).values(**values))

    def publishable(self, plan_id: str) -> list[str]:
        stmt = (
            select(TASK.c.id)
            .select_from(TASK.join(RESULT, RESULT.c.task_id == TASK.c.id))
            .where(TASK.c.plan_id == plan_id, TASK.c.status == "final", RESULT.c.status == "final")
            .order_by(TASK.c.id)
        )
        return list(self.session.execute(stmt).scalars())


class ResultRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._rows: dict[str, ResultRow] = {}

    def get(self, task_id: str, *, for_update: bool = False) -> Result | None:
        stmt = select(ResultRow).where(col(ResultRow.task_id) == task_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = self.session.execute(stmt).scalar_one_or_none()
        if row is None:
            return None
        self._rows[task_id] = row
        return Result(
            task_id=row.task_id,
            outcome=Outcome(row.outcome),
            failed_items=[FailedItem(**f) for f in row.failed_items],
            sampling_date=row.sampling_date,
            status=ResultStatus(row.status),
            objection_deadline=row.objection_deadline,
            objection_deadline_provenance=row.objection_deadline_provenance,
            objection_calendar_version=row.objection_calendar_version,
            objected_at=row.objected_at,
            objection_reason=row.objection_reason,
            retested=row.retested,
            recorded_by=row.recorded_by,
            recorded_at=row.recorded_at,
            finalised_at=row.finalised_at,
            finalised_by=row.finalised_by,
        )

    def add(self, result: Result) -> None:
        row = ResultRow(task_id=result.task_id, **self._values(result))
        self.session.add(row)
        self._rows[result.task_id] = row

    def save(self, result: Result) -> None:
        row = self._rows[result.task_id]
        for key, value in self._values(result).items():
            setattr(row, key, value)

    @staticmethod
    def _values(r: Result) -> dict[str, Any]:
        return {
            "outcome": r.outcome.value,
            "failed_items": [f.__dict__ for f in r.failed_items],
            "sampling_date": r.sampling_date,
            "status": r.status.value,
            "objection_deadline": r.objection_deadline,
            "objection_deadline_provenance": r.objection_deadline_provenance,
            "objection_calendar_version": r.objection_calendar_version,
            "objected_at": r.objected_at,
            "objection_reason": r.objection_reason,
            "retested": r.retested,
            "recorded_by": r.recorded_by,
            "recorded_at": r.recorded_at,
            "finalised_at": r.finalised_at,
            "finalised_by": r.finalised_by,
        }

    def provisional_objection_deadlines(self) -> list[str]:
        """Results still in their objection window whose deadline is provisional."""
        stmt = (
            select(col(ResultRow.task_id))
            .where(
                col(ResultRow.status) == "provisional",
                col(ResultRow.objection_deadline_provenance) == "provisional",
            )
            .order_by(col(ResultRow.task_id))
        )
        return list(self.session.execute(stmt).scalars())

    def due_for_finalisation(self, today: date, limit: int) -> list[str]:
        stmt = (
            select(col(ResultRow.task_id))
            .where(
                col(ResultRow.status) == "provisional", col(ResultRow.objection_deadline) < today
            )
            .order_by(col(ResultRow.task_id))
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())

    def add_check_record(self, task: TaskRow, plan: Plan, result: Result, unit: dict) -> None:
        # ids become visible in commit order, so a snapshot's watermark splits the history
        # exactly into what its freeze saw and what came later
        take_append_lock(self.session, "check_record")
        self.session.add(
            CheckRecordRow(
                unit_id=task.unit_id,
                enterprise_uscc=task.enterprise_uscc,
                task_id=task.id,
                plan_id=task.plan_id,
                authority_level=plan.authority_level.value,
                region_code=plan.region_code,
                check_type=plan.check_type.value,
                outcome=result.outcome.value,
                sampling_date=result.sampling_date,
                recorded_at=utcnow(),
            )
        )
