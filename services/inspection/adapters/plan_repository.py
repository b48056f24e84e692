"""Plans and eligibility policy versions."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    func,
    or_,
    select,
    update,
)
from sqlmodel import Session, col

from services.inspection.adapters.orm import (
    DeadlineChangeRow,
    PlanRow,
    PolicyRow,
)
from services.inspection.adapters.tables import PLAN
from services.inspection.domain.model import (
    CheckType,
    Plan,
    Sampling,
    Scope,
)
from services.inspection.domain.policy import (
    EligibilityPolicy,
)
from shared.auth.principal import AuthorityLevel
from shared.clock import utcnow
from shared.contracts.inspection import PlanDeadlineChangedV1
from shared.periods import Dated


class PolicyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def current(self, today: date) -> EligibilityPolicy:
        row = self.session.execute(
            select(col(PolicyRow.document))
            .where(col(PolicyRow.effective_from) <= today)
            .order_by(col(PolicyRow.version).desc())
            .limit(1)
        ).scalar_one()
        return EligibilityPolicy.from_doc(row)

    def get(self, version: int) -> EligibilityPolicy:
        doc = self.session.execute(
            select(col(PolicyRow.document)).where(col(PolicyRow.version) == version)
        ).scalar_one()
        return EligibilityPolicy.from_doc(doc)

    def latest_version(self) -> int:
        return int(
            self.session.execute(
                select(func.coalesce(func.max(col(PolicyRow.version)), 0))
            ).scalar_one()
        )

    def add(self, policy: EligibilityPolicy, effective_from: date, actor: str) -> None:
        self.session.add(
            PolicyRow(
                version=policy.version,
                effective_from=effective_from,
                document=policy.as_doc(),
                created_by=actor,
                created_at=utcnow(),
            )
        )


def plan_from_row(row: Any) -> Plan:
    scope = row.scope
    return Plan(
        id=row.id,
        name=row.name,
        authority_level=AuthorityLevel(row.authority_level),
        department=row.department,
        region_code=row.region_code,
        check_type=CheckType(row.check_type),
        scope=Scope(
            industries=tuple(scope.get("industries", [])),
            product_categories=tuple(scope.get("product_categories", [])),
            regions=tuple(scope.get("regions", [])),
            certified_schemes=tuple(scope.get("certified_schemes", [])),
            uncertified_ccc=bool(scope.get("uncertified_ccc", False)),
        ),
        sampling=Sampling.from_doc(row.sampling),
        team_size=row.team_size,
        cross_region_teams=row.cross_region_teams,
        inspector_cooldown_days=row.inspector_cooldown_days,
        period_start=row.period_start,
        period_end=row.period_end,
        created_by=row.created_by,
        publication_deadline=row.publication_deadline,
        joint_departments=tuple(row.joint_departments or ()),
    )


class PlanRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, plan_id: str, *, for_update: bool = False) -> Plan | None:
        stmt = select(PlanRow).where(col(PlanRow.id) == plan_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = self.session.execute(stmt).scalar_one_or_none()
        return plan_from_row(row) if row else None

    def add(self, plan: Plan, deadline_problem: str | None) -> None:
        self.session.add(
            PlanRow(
                id=plan.id,
                name=plan.name,
                authority_level=plan.authority_level.value,
                department=plan.department,
                region_code=plan.region_code,
                check_type=plan.check_type.value,
                scope=plan.scope.as_doc(),
                sampling=plan.sampling.as_doc(),
                team_size=plan.team_size,
                cross_region_teams=plan.cross_region_teams,
                inspector_cooldown_days=plan.inspector_cooldown_days,
                period_start=plan.period_start,
                period_end=plan.period_end,
                publication_deadline=plan.publication_deadline,
                deadline_problem=deadline_problem,
                created_by=plan.created_by,
                created_at=utcnow(),
                joint_departments=sorted(plan.joint_departments) or None,
            )
        )

    def set_deadline(self, plan_id: str, deadline: Dated) -> None:
        self.session.execute(
            update(PLAN)
            .where(col(PlanRow.id) == plan_id)
            .values(
                publication_deadline=deadline.day,
                deadline_problem=None,
                deadline_provenance=deadline.provenance.value,
                deadline_calendar_version=deadline.calendar_version,
            )
        )

    def not_official_deadlines(self) -> list[tuple[Plan, str | None, str | None]]:
        """Plans whose deadline is provisional or unknown, locked for recomputation."""
        rows = self.session.execute(
            select(PlanRow)
            .where(
                or_(
                    col(PlanRow.deadline_provenance).is_(None),
                    col(PlanRow.deadline_provenance) != "official",
                )
            )
            .order_by(col(PlanRow.id))
            .with_for_update()
        ).scalars()
        return [
            (plan_from_row(r), r.deadline_provenance, r.deadline_calendar_version) for r in rows
        ]

    def record_deadline_change(self, change: PlanDeadlineChangedV1, at: datetime) -> None:
        self.session.add(
            DeadlineChangeRow(
                plan_id=change.plan_id,
                task_id=change.task_id,
                deadline_kind=change.deadline_kind,
                previous_deadline=change.previous_deadline,
                new_deadline=change.new_deadline,
                previous_provenance=change.previous_provenance,
                new_provenance=change.new_provenance,
                calendar_version=change.calendar_version,
                changed_at=at,
            )
        )
