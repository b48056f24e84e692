"""Claims across authority levels per ``domain.hierarchy`` (issue 13, item 3). These run inside
the caller's transaction (freeze, draw, cancel)."""

from datetime import date, datetime

from services.inspection.adapters.hierarchy_repository import HierarchyRepository
from services.inspection.adapters.orm import TaskRow
from services.inspection.domain import hierarchy
from services.inspection.domain.model import Plan
from services.inspection.domain.policy import Claim
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.auth import AuthorityLevel
from shared.clock import utcnow


def _policy(uow: InspectionUnitOfWork) -> hierarchy.HierarchyPolicy:
    return getattr(uow, "hierarchy", hierarchy.DEFAULT)


def blocking_levels(uow: InspectionUnitOfWork, plan: Plan) -> list[str]:
    """Levels whose running claims keep a unit from ``plan``'s draws."""
    policy = _policy(uow)
    return [lvl.value for lvl in AuthorityLevel if policy.claim_blocks(lvl, plan.authority_level)]


def blocking_claims(uow: InspectionUnitOfWork, plan: Plan, claims: list[Claim]) -> list[Claim]:
    policy = _policy(uow)
    return [c for c in claims if policy.claim_blocks(c.authority_level, plan.authority_level)]


def expire_claims(uow: InspectionUnitOfWork, today: date) -> int:
    if not _policy(uow).claims_expire_at_period_end:
        return 0
    return HierarchyRepository(uow.session).expire_claims(today, utcnow(), hierarchy.EXPIRED)


def take_over_lower_claims(
    uow: InspectionUnitOfWork, draw_id: str, plan: Plan, now: datetime
) -> int:
    lower = [lvl for lvl in AuthorityLevel if lvl.rank > plan.authority_level.rank]
    policy = _policy(uow)
    levels = [lvl.value for lvl in lower if not policy.claim_blocks(lvl, plan.authority_level)]
    if not levels:
        return 0
    return HierarchyRepository(uow.session).take_over(
        draw_id, plan.id, levels, hierarchy.PREEMPTED, now
    )


def log_withdrawal(uow: InspectionUnitOfWork, task: TaskRow, plan: Plan, reason: str) -> None:
    HierarchyRepository(uow.session).log_withdrawal(
        task, plan.authority_level.value, reason, utcnow()
    )
