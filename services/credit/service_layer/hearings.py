"""The hearing procedure on a proposed listing (issue 12): requested by the enterprise within
the objection window, notified and recorded by the deciding authority (the proposing one or a
higher one over its region). Each step is one transaction and is notified to the enterprise;
``listings.decide_objection`` and ``confirm_listing`` refuse (409 ``hearing_not_concluded``)
until the hearing has concluded."""

from datetime import date

from services.credit.domain import hearing
from services.credit.domain.listing import Listing
from services.credit.domain.rules import rules_for
from services.credit.service_layer import files, listings
from services.credit.service_layer.unit_of_work import CreditUnitOfWork
from shared.auth import Principal, Role
from shared.exceptions import Forbidden


def request(uow: CreditUnitOfWork, listing_id: str, actor: Principal, *, today: date) -> Listing:
    if actor.role is not Role.ENTERPRISE:
        raise Forbidden("the enterprise concerned requests a hearing", code="role_not_allowed")
    with uow:
        enterprise, listing = listings.listing_of(uow, listing_id, actor)
        rules = rules_for(listing.rule_version)
        hearing.request(listing, today=today, by=actor.actor(), rules=rules)
        uow.listings.save(listing)
        uow.notices.add(
            enterprise.uscc,
            "hearing_requested",
            listing.id,
            "Your request for a hearing was received; you will be notified of its date and "
            f"place at least {rules.hearing.notice_before.describe()} ahead.",
            rules.hearing.source.cite(),
        )
        uow.commit()
        return listing


def give_notice(
    uow: CreditUnitOfWork,
    listing_id: str,
    *,
    hearing_on: date,
    place: str,
    actor: Principal,
    today: date,
) -> Listing:
    files.require_regulator(actor)
    with uow:
        enterprise, listing = listings.listing_to_decide(uow, listing_id, actor)
        rules = rules_for(listing.rule_version)
        hearing.give_notice(
            listing, hearing_on=hearing_on, place=place, today=today, by=actor.actor(), rules=rules
        )
        uow.listings.save(listing)
        uow.notices.add(
            enterprise.uscc,
            "hearing_notice",
            listing.id,
            f"Notice of hearing on the proposed listing {listing.id}: {hearing_on} at "
            f"{place.strip()}. Not attending without good reason counts as waiving it.",
            rules.hearing.procedure_source.cite(),
        )
        uow.commit()
        return listing


def record(
    uow: CreditUnitOfWork,
    listing_id: str,
    *,
    held_on: date,
    attended: bool,
    minutes: str,
    actor: Principal,
    today: date,
) -> Listing:
    files.require_regulator(actor)
    with uow:
        enterprise, listing = listings.listing_to_decide(uow, listing_id, actor)
        done = hearing.record(
            listing,
            held_on=held_on,
            attended=attended,
            minutes=minutes,
            today=today,
            by=actor.actor(),
        )
        uow.listings.save(listing)
        what = "was held" if done["outcome"] == hearing.HELD else "was waived (not attended)"
        uow.notices.add(
            enterprise.uscc,
            "hearing_concluded",
            listing.id,
            f"The hearing on the proposed listing {listing.id} {what} on {held_on}; the "
            "decision follows.",
        )
        uow.commit()
        return listing
