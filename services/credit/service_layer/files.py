"""Credit files: registering an enterprise, and the steps every use case on a file shares
(the aggregate lock, the jurisdiction check, regrading).

Locking: every use case that changes an enterprise's file locks the enterprise row first and
only then loads and changes its records, listings or repair applications, so concurrent use
cases on one enterprise serialise and never deadlock on PostgreSQL.
"""

from datetime import date

from services.credit.domain import model
from services.credit.domain.catalogue import Category
from services.credit.domain.grading import assess
from services.credit.domain.listing import ListingStatus
from services.credit.domain.model import Enterprise
from services.credit.service_layer import authority
from services.credit.service_layer.commands import RegisterEnterprise
from services.credit.service_layer.policy import DEFAULT_POLICY, Actor, Policy
from services.credit.service_layer.ports import CreditWork
from shared.auth import Principal, Role
from shared.clock import utcnow
from shared.contracts.credit import RiskGradeChangedV1
from shared.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from shared.uscc import region_of
from shared.uscc import validate as validate_uscc


def register_enterprise(
    uow: CreditWork,
    cmd: RegisterEnterprise,
    actor: Principal,
    policy: Policy = DEFAULT_POLICY,
) -> Enterprise:
    require_regulator(actor)
    uscc = validate_uscc(cmd.uscc, legacy_codes=policy.legacy_codes)
    enterprise = new_enterprise(uscc, cmd.name, cmd.category, cmd.region_code)
    enterprise.operator_name = (cmd.operator_name or "").strip() or None
    enterprise.operator_id_number = (cmd.operator_id_number or "").strip() or None
    check_jurisdiction(actor, enterprise)
    authority.check_registration_region(actor, uscc, cmd.region_code)
    with uow:
        if uow.enterprises.get(uscc) is not None:
            raise Conflict(f"enterprise {uscc} is already registered", code="duplicate_enterprise")
        uow.enterprises.add(enterprise)
        uow.changes.record(uscc, "registered")
        uow.commit()
    return enterprise


def new_enterprise(uscc: str, name: str, category: str, region_code: str | None) -> Enterprise:
    try:
        cat = Category(category)
    except ValueError:
        raise InvalidInput(
            f"unknown category {category!r}",
            code="unknown_category",
            allowed=[c.value for c in Category],
        ) from None
    region = region_code or region_of(uscc)
    if not (len(region) == 6 and region.isdigit()):
        raise InvalidInput("give the 6-digit region code", code="region_code_required")
    return Enterprise(
        uscc=uscc,
        name=model.required(name, "the name", "name_required"),
        region_code=region,
        category=cat,
    )


def lock_enterprise(uow: CreditWork, uscc: str, actor: Actor | None) -> Enterprise:
    """Lock the enterprise (the aggregate lock) and check the regulator's jurisdiction."""
    enterprise = uow.enterprises.get(uscc, for_update=True)
    if enterprise is None:
        raise NotFound(f"no enterprise {uscc}", code="enterprise_not_found")
    check_jurisdiction(actor, enterprise)
    return enterprise


def require_regulator(actor: Actor) -> None:
    """Managing records and lists is for regulators (or trusted system callers)."""
    if isinstance(actor, Principal) and not actor.is_regulator:
        raise Forbidden("only regulators may do this", code="role_not_allowed")


def check_jurisdiction(actor: Actor | None, enterprise: Enterprise) -> None:
    regulator = isinstance(actor, Principal) and actor.is_regulator
    if regulator and not actor.covers_region(enterprise.region_code):  # type: ignore[union-attr]
        raise Forbidden(
            f"enterprise {enterprise.uscc} is outside your jurisdiction",
            code="outside_jurisdiction",
        )


def is_foreign(actor: Principal, uscc: str) -> bool:
    """An enterprise asking about another's file: reported as absent, not forbidden."""
    return actor.role is Role.ENTERPRISE and actor.uscc != uscc


def regrade(uow: CreditWork, enterprise: Enterprise, today: date, trigger: str) -> None:
    records = uow.records.in_force(enterprise.uscc, today)
    listed = any(
        listing.status is ListingStatus.LISTED
        for listing in uow.listings.active_for(enterprise.uscc)
    )
    assessment = assess((r.severity for r in records), listed)
    change = enterprise.regrade(assessment, trigger=trigger, at=utcnow())
    uow.enterprises.save(enterprise)
    if change is None:
        return
    uow.enterprises.record_grade_change(change)
    uow.changes.record(enterprise.uscc, "grade_changed")
    uow.emit(
        RiskGradeChangedV1(
            uscc=enterprise.uscc,
            enterprise_name=enterprise.name,
            from_grade=change.from_grade.value if change.from_grade else None,
            to_grade=change.to_grade.value,
            score=change.score,
            rule_version=change.rule_version,
            reasons=list(change.reasons),
            trigger=trigger,
        ),
        subject=enterprise.uscc,
    )
