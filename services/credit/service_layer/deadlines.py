"""Recomputing provisional deadlines once an official working-day table arrives.

Objection deadlines of proposed listings, and the last day of publication of records whose
class counts its publication in working days (``spot_check_corrected``).

A proposal whose objection window ran into a year without the State Council's table got a
provisional deadline (``shared.periods``); it is never refused. When the table is loaded
(``qp-calendar load``), this job recomputes every such deadline of a listing still proposed.
A deadline that moves is recorded, the enterprise is notified, and an event announces it.

A party's deadline is never shortened: if the official table ends the window earlier than the
provisional one the enterprise was told (a make-up working day), the announced day stands.
LEGAL REVIEW: confirm that rule (README "Legal periods and working days").
"""

from datetime import date

from services.credit.domain.catalogue import RECORD_CLASSES
from services.credit.domain.listing import objection_deadline_fields
from services.credit.domain.periods import Unit
from services.credit.domain.record import CreditRecord, publication_end_fields
from services.credit.service_layer import files, jobs
from services.credit.service_layer.policy import Policy
from services.credit.service_layer.unit_of_work import CreditUnitOfWork
from shared.clock import utcnow
from shared.contracts.credit import ListingDeadlineChangedV1, RecordPublicationChangedV1

# record classes whose publication period depends on the working-day calendar
WORKING_DAY_CLASSES = sorted(
    code for code, rc in RECORD_CLASSES.items() if rc.publication.unit is Unit.WORKDAYS
)


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


def refresh_publication_ends(uow: CreditUnitOfWork, today: date, policy: Policy) -> int:
    """Records in disclosure whose publication period runs in working days: once their years'
    tables are official, ``publication_until`` is recomputed. How long something stays
    published is not a party's deadline: the official day applies whichever way it moves (a
    record whose period is now over leaves disclosure with the next publication-period run).
    Returns how many became official; a move is recorded, shown in the feed and announced."""
    seen = 0
    with uow:
        due = uow.records.provisional_publication_ends(WORKING_DAY_CLASSES)
        for uscc, record_ids in jobs.by_enterprise(due):
            files.lock_enterprise(uow, uscc, None)  # the aggregate lock first
            for record_id in record_ids:
                record = uow.records.get(record_id, for_update=True)
                if record is not None and record.disclosed:
                    seen += _refresh_record(uow, record, policy)
        uow.commit()
    return seen


def _refresh_record(uow: CreditUnitOfWork, record: CreditRecord, policy: Policy) -> int:
    fields = publication_end_fields(record.decision_date, record.record_class, policy.workdays)
    if fields["publication_until_provenance"] != "official":
        return 0  # still provisional: nothing new to say
    previous, previous_provenance = record.publication_until, record.publication_until_provenance
    record.publication_until = fields["publication_until"]
    record.publication_until_provenance = fields["publication_until_provenance"]
    record.publication_calendar_version = fields["publication_calendar_version"]
    uow.records.save(record)
    if record.publication_until != previous:
        change = RecordPublicationChangedV1(
            record_id=record.id,
            uscc=record.uscc,
            record_class=record.record_class,
            previous_until=previous,
            new_until=record.publication_until,
            previous_provenance=previous_provenance,
            new_provenance=fields["publication_until_provenance"],
            calendar_version=fields["publication_calendar_version"],
        )
        uow.records.record_publication_change(change, utcnow())
        uow.disclosures.republish("record", record.id, record.uscc, "publication_changed")
        uow.changes.record(record.uscc, "publication_changed")
        uow.notices.add(
            record.uscc,
            "publication_changed",
            record.id,
            f"The official working-day calendar is now known: record {record.id} is published "
            f"until {change.new_until} (previously {previous}, provisional).",
            "民法典 第二百零一条、第二百零二条",
        )
        uow.emit(change, subject=record.uscc)
    return 1
