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
from shared.exceptions import Conflict

_CLAIM_RULES = ("running_check", "higher_level_running_check")


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


def nothing_eligible(uow: InspectionUnitOfWork, snapshot_id: str, plan: Plan) -> Conflict:
    """409 ``no_eligible_units`` naming why (issue 13, bad input): how many units each rule
    excluded and, for running checks, of which levels; ``reason`` is
    ``claims_not_overrulable`` when running checks this plan's level cannot overrule hold
    units, ``six_month_pass`` when only the six-month rule excluded, else ``scope_empty``."""
    counts = HierarchyRepository(uow.session).exclusion_counts(snapshot_id)
    by_rule: dict[str, int] = {}
    claims_by_level: dict[str, int] = {}
    for rule, level, n in counts:
        by_rule[rule] = by_rule.get(rule, 0) + n
        if rule in _CLAIM_RULES and level:
            claims_by_level[level] = claims_by_level.get(level, 0) + n
    excluded = sum(by_rule.values())
    level = plan.authority_level.value
    if claims_by_level:
        reason = "claims_not_overrulable"
        held = ", ".join(f"{n} by {lvl}" for lvl, n in sorted(claims_by_level.items()))
        why = (
            f"running checks a {level} plan cannot overrule hold units ({held}; "
            f"policy {_policy(uow).version}: {_policy(uow).source})"
        )
    elif excluded:
        reason, why = "six_month_pass", "every unit in scope passed a counting check recently"
    else:
        reason, why = "scope_empty", "the plan's scope holds no unit of its risk classes"
    return Conflict(
        f"no unit in the plan's scope is eligible ({excluded} excluded): {why}",
        code="no_eligible_units",
        reason=reason,
        excluded_count=excluded,
        excluded_by_rule=by_rule,
        claims_by_level=claims_by_level,
    )
