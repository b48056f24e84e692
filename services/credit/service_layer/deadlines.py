"""Recomputing provisional objection deadlines once an official working-day table arrives.

A proposal whose objection window ran into a year without the State Council's table got a
provisional deadline (``shared.periods``); it is never refused. When the table is loaded
(``qp-calendar load``), this job recomputes every such deadline of a listing still proposed.
A deadline that moves is recorded, the enterprise is notified, and an event announces it.

A party's deadline is never shortened: if the official table ends the window earlier than the
provisional one the enterprise was told (a make-up working day), the announced day stands.
LEGAL REVIEW: confirm that rule (README "Legal periods and working days").
"""

from datetime import date

from services.credit.domain.model import objection_deadline_fields
from services.credit.service_layer.services import Policy
from services.credit.service_layer.unit_of_work import CreditUnitOfWork
from shared.clock import utcnow
from shared.contracts.credit import ListingDeadlineChangedV1


def refresh_objection_deadlines(uow: CreditUnitOfWork, today: date, policy: Policy) -> int:
    """Returns how many deadlines became official. Proposed listings are few (a window of
    weeks), so one transaction covers them all."""
    with uow:
        due = uow.listings.provisional_objection_deadlines()
        seen = 0
        for listing_id, _uscc in due:
            listing = uow.listings.get(listing_id, for_update=True)
            if listing is None:
                continue
            fields = objection_deadline_fields(
                listing.proposed_on, policy.objection_window, policy.workdays
            )
            if fields["objection_deadline_provenance"] != "official":
                continue  # still provisional: nothing new to say
            seen += 1
            previous, previous_provenance = (
                listing.objection_deadline,
                listing.objection_deadline_provenance,
            )
            new_day = max(previous, fields["objection_deadline"])
            listing.objection_deadline = new_day
            listing.objection_deadline_provenance = fields["objection_deadline_provenance"]
            listing.objection_calendar_version = fields["objection_calendar_version"]
            uow.listings.save(listing)
            if new_day != previous:
                _announce(uow, listing.id, listing.uscc, previous, previous_provenance, fields)
        uow.commit()
    return seen


def _announce(
    uow: CreditUnitOfWork,
    listing_id: str,
    uscc: str,
    previous: date,
    previous_provenance: str | None,
    fields: dict,
) -> None:
    change = ListingDeadlineChangedV1(
        listing_id=listing_id,
        uscc=uscc,
        deadline_kind="objection",
        previous_deadline=previous,
        new_deadline=fields["objection_deadline"],
        previous_provenance=previous_provenance,
        new_provenance=fields["objection_deadline_provenance"],
        calendar_version=fields["objection_calendar_version"],
    )
    uow.listings.record_deadline_change(change, utcnow())
    uow.notices.add(
        uscc,
        "objection_deadline_changed",
        listing_id,
        f"The official working-day calendar is now known: your objection deadline moved from "
        f"{previous} to {change.new_deadline}.",
        "民法典 第二百零一条至第二百零三条",
    )
    uow.emit(change, subject=uscc)
