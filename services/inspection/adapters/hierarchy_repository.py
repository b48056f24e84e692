"""Claims across levels (issue 13, item 3): expiry at the end of the sampling period and the
take-over of lower levels' claims by a higher level's draw. Set-based SQL."""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlmodel import Session

from services.inspection.adapters.orm import ClaimRow, PlanRow, TaskRow
from services.inspection.adapters.orm_disclosure import TaskSamplingRow
from services.inspection.adapters.orm_hierarchy import ClaimEventRow
from services.inspection.adapters.tables import SNAPSHOT_EXCLUSION
from shared.clock import CHINA_TZ
from shared.db import table_of

CLAIM, PLAN, TASK = table_of(ClaimRow), table_of(PlanRow), table_of(TaskRow)
EVENT, SAMPLING = table_of(ClaimEventRow), table_of(TaskSamplingRow)
C, P, T, SM = CLAIM.c, PLAN.c, TASK.c, SAMPLING.c


class HierarchyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _log(self, rows: Sequence[Any], kind: str, reason: str, at: datetime, **extra: Any) -> None:
        if rows:
            self.session.execute(
                insert(EVENT),
                [
                    {
                        "kind": kind,
                        "task_id": r.task_id,
                        "plan_id": r.plan_id,
                        "unit_id": r.unit_id,
                        "authority_level": r.authority_level,
                        "region_code": r.region_code,
                        "task_cancelled": bool(extra.get("cancelled", {}).get(r.task_id)),
                        "reason": reason,
                        "by_plan_id": extra.get("by_plan_id"),
                        "at": at,
                    }
                    for r in rows
                ],
            )

    def expire_claims(self, today: date, at: datetime, kind: str) -> int:
        """Claims of plans whose sampling period ended before ``today`` end (logged); a claim
        made after its period ended (a late draw) lasts to the end of the day it was made."""
        ended = select(P.id).where(P.period_end < today)
        start_of_today = datetime.combine(today, time(), CHINA_TZ).astimezone(UTC)
        rows = self.session.execute(
            select(CLAIM).where(C.plan_id.in_(ended), C.claimed_at < start_of_today)
        ).all()
        if rows:
            self.session.execute(delete(CLAIM).where(C.task_id.in_([r.task_id for r in rows])))
            self._log(rows, kind, "the plan's sampling period ended without a final result", at)
        return len(rows)

    def take_over(
        self, draw_id: str, plan_id: str, lower_levels: list[str], kind: str, at: datetime
    ) -> int:
        """Lower levels' claims on the units this draw took end; their tasks are withdrawn
        unless sampling was recorded (then they go on, without the claim)."""
        drawn = select(T.unit_id).where(T.draw_id == draw_id)
        rows = self.session.execute(
            select(CLAIM).where(C.unit_id.in_(drawn), C.authority_level.in_(lower_levels))
        ).all()
        if not rows:
            return 0
        task_ids = [r.task_id for r in rows]
        sampled = set(
            self.session.execute(select(SM.task_id).where(SM.task_id.in_(task_ids))).scalars()
        )
        unsampled = [t for t in task_ids if t not in sampled]
        reason = f"a higher level's check (plan {plan_id}) took the unit"
        self.session.execute(delete(CLAIM).where(C.task_id.in_(task_ids)))
        if unsampled:
            self.session.execute(
                update(TASK)
                .where(T.id.in_(unsampled), T.status == "assigned")
                .values(status="cancelled", cancel_reason=reason)
            )
        cancelled = {t: True for t in unsampled}
        self._log(rows, kind, reason, at, cancelled=cancelled, by_plan_id=plan_id)
        return len(rows)

    def log_withdrawal(self, task: TaskRow, level: str, reason: str, at: datetime) -> None:
        row = {
            "kind": "withdrawn",
            "task_id": task.id,
            "plan_id": task.plan_id,
            "unit_id": task.unit_id,
            "authority_level": level,
            "region_code": task.region_code,
            "task_cancelled": True,
            "reason": reason,
            "by_plan_id": None,
            "at": at,
        }
        self.session.execute(insert(EVENT), [row])

    def exclusion_counts(self, snapshot_id: str) -> list[tuple[str, str | None, int]]:
        """(rule, the cause's authority level, count) of a snapshot's exclusions."""
        stmt = (
            select(
                SNAPSHOT_EXCLUSION.c.rule, SNAPSHOT_EXCLUSION.c.cause_authority_level, func.count()
            )
            .where(SNAPSHOT_EXCLUSION.c.snapshot_id == snapshot_id)
            .group_by(SNAPSHOT_EXCLUSION.c.rule, SNAPSHOT_EXCLUSION.c.cause_authority_level)
            .order_by(SNAPSHOT_EXCLUSION.c.rule, SNAPSHOT_EXCLUSION.c.cause_authority_level)
        )
        return [(r, lvl, int(n)) for r, lvl, n in self.session.execute(stmt).all()]
