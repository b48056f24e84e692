"""Early removal from the list (SAMR Order 44 art. 20-21): apply, then decide.

The enterprise applies after the minimum listed period; the conditions of the rule version
in force are checked and shown; a regulator of the proposing authority or a higher one
decides within the deadline, with reasons on refusal. A grant is a delisting like any other
(``credit.listing.delisted``, ``credit.measure.lifted``, withdrawal in the feed).
"""

from datetime import date

from services.credit.domain import early_removal
from services.credit.domain.catalogue import RemovalReason
from services.credit.domain.listing import Listing
from services.credit.domain.record import CreditRecord
from services.credit.service_layer import files, listings
from services.credit.service_layer.policy import DEFAULT_POLICY, Policy
from services.credit.service_layer.unit_of_work import CreditUnitOfWork
from shared.auth import Principal, Role
from shared.exceptions import Forbidden


def _new_qualifying(
    uow: CreditUnitOfWork, listing: Listing, today: date, policy: Policy
) -> list[CreditRecord]:
    """Qualifying decisions against the enterprise dated on or after its listing."""
    assert listing.listed_on is not None
    return [
        r
        for r in uow.records.in_force(listing.uscc, today)
        if r.decision_date >= listing.listed_on
        and r.id not in listing.basis_record_ids
        and policy.rules.ground_for(r.record_class, r.severity) is not None
    ]


def apply(
    uow: CreditUnitOfWork,
    listing_id: str,
    statement: str,
    evidence: list[str],
    actor: Principal,
    *,
    today: date,
    policy: Policy = DEFAULT_POLICY,
) -> Listing:
    if actor.role is not Role.ENTERPRISE:
        raise Forbidden("only the listed enterprise applies", code="role_not_allowed")
    with uow:
        enterprise, listing = listings.listing_of(uow, listing_id, actor)
        early_removal.apply(
            listing,
            statement=statement,
            evidence=evidence,
            new_qualifying=_new_qualifying(uow, listing, today, policy),
            today=today,
            by=actor.actor(),
            rules=policy.rules,
            workdays=policy.workdays,
        )
        uow.listings.save(listing)
        assert listing.early_removal is not None
        uow.notices.add(
            enterprise.uscc,
            "early_removal_received",
            listing.id,
            f"Your application for early removal was received; the decision is due by "
            f"{listing.early_removal['decision_due']}.",
            listing.early_removal["deadline_source"],
        )
        uow.commit()
        return listing


def decide(
    uow: CreditUnitOfWork,
    listing_id: str,
    granted: bool,
    reason: str,
    confirmed: list[str],
    actor: Principal,
    *,
    today: date,
) -> Listing:
    files.require_regulator(actor)
    with uow:
        enterprise, listing = listings.listing_to_decide(uow, listing_id, actor)
        early_removal.decide(
            listing,
            granted=granted,
            reason=reason,
            confirmed=confirmed,
            today=today,
            by=actor.actor(),
        )
        uow.listings.save(listing)
        verdict = "granted" if granted else "refused"
        uow.notices.add(
            enterprise.uscc,
            "early_removal_decided",
            listing.id,
            f"Your application for early removal was {verdict}. Reasons: {reason}",
        )
        if granted:
            listings.remove(
                uow, enterprise, listing, RemovalReason.EARLY_REMOVAL, today, actor.actor()
            )
            files.regrade(uow, enterprise, today, f"delisted:{listing.id}")
        uow.commit()
        return listing
