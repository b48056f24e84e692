"""The hearing on a proposed listing (听证, issue 12), as the rule version of the listing gives it.

Requested by the enterprise within the objection window (with its objection or on its own);
the deciding authority gives notice of the date and place at least the rule's notice period
ahead; the hearing is held and minuted (a party that does not attend is taken to have waived
it). Until the hearing has concluded no decision against the enterprise is taken: the
objection is not rejected and the listing not confirmed. Upholding the objection (what the
enterprise asks for) needs no hearing; the pending hearing then closes as moot.
The hearing is kept on the listing (``Listing.hearing``, plain data with ISO dates).
"""

from datetime import date, timedelta

from services.credit.domain.listing import Listing, ListingStatus
from services.credit.domain.model import IllegalTransition, required
from services.credit.domain.rules import RuleSet
from shared.exceptions import Conflict, InvalidInput

REQUESTED, NOTIFIED, CONCLUDED = "requested", "notified", "concluded"
HELD, WAIVED, MOOT = "held", "waived", "moot"  # moot: the objection was upheld first


def _cited(rules: RuleSet) -> dict[str, str]:
    return {"rule_version": rules.version, "source": rules.hearing.source.cite()}


def request(listing: Listing, *, today: date, by: str, rules: RuleSet) -> dict:
    if not rules.hearing.available:
        raise Conflict(
            "the rules in force give no hearing on a listing",
            code="hearing_not_available",
            **_cited(rules),
        )
    if listing.status not in (ListingStatus.PROPOSED, ListingStatus.OBJECTION_FILED):
        raise IllegalTransition(
            f"a hearing is requested before a listing is decided, not when it is "
            f"{listing.status.value}",
            current_status=listing.status.value,
        )
    if listing.hearing is not None:
        raise Conflict("a hearing was already requested", code="hearing_already_requested")
    if today > listing.objection_deadline:
        raise Conflict(
            f"a hearing is requested within the objection window, which closed on "
            f"{listing.objection_deadline}",
            code="hearing_request_window_closed",
            objection_deadline=listing.objection_deadline.isoformat(),
            **_cited(rules),
        )
    listing.hearing = {
        "status": REQUESTED,
        "requested_on": today.isoformat(),
        "requested_by": by,
        "rule_version": rules.version,
        "source": rules.hearing.source.cite(),
        "procedure_source": rules.hearing.procedure_source.cite(),
    }
    if listing.objection is not None:
        listing.objection.hearing_requested = True
    return listing.hearing


def give_notice(
    listing: Listing, *, hearing_on: date, place: str, today: date, by: str, rules: RuleSet
) -> dict:
    """Notice of the date and place; a later notice reschedules a hearing not yet held."""
    hearing = _open(listing, REQUESTED, NOTIFIED, doing="give notice of")
    earliest = today + timedelta(days=rules.hearing.notice_before.length)
    if hearing_on < earliest:
        raise InvalidInput(
            f"the hearing is notified at least {rules.hearing.notice_before.describe()} ahead: "
            f"{earliest} at the earliest",
            code="hearing_notice_too_short",
            earliest=earliest.isoformat(),
            rule_version=rules.version,
            source=rules.hearing.procedure_source.cite(),
        )
    hearing.update(
        status=NOTIFIED,
        hearing_on=hearing_on.isoformat(),
        place=required(place, "the place of the hearing", "place_required"),
        notified_on=today.isoformat(),
        notified_by=by,
    )
    listing.hearing = hearing
    return hearing


def record(
    listing: Listing, *, held_on: date, attended: bool, minutes: str, today: date, by: str
) -> dict:
    """The hearing took place (minutes), or the party did not attend (waived)."""
    hearing = _open(listing, NOTIFIED, doing="record")
    scheduled = date.fromisoformat(hearing["hearing_on"])
    if not scheduled <= held_on <= today:
        raise InvalidInput(
            f"the hearing was notified for {scheduled}; it is recorded on or after that day "
            f"and not in the future",
            code="hearing_date_mismatch",
            hearing_on=scheduled.isoformat(),
        )
    hearing.update(
        status=CONCLUDED,
        outcome=HELD if attended else WAIVED,
        held_on=held_on.isoformat(),
        minutes=required(minutes, "the minutes of the hearing", "minutes_required"),
        recorded_by=by,
    )
    listing.hearing = hearing
    return hearing


def close_moot(listing: Listing, today: date) -> None:
    """The objection was upheld (the proposal withdrawn): a pending hearing has no object."""
    if listing.hearing is not None and listing.hearing["status"] != CONCLUDED:
        listing.hearing = {
            **listing.hearing,
            "status": CONCLUDED,
            "outcome": MOOT,
            "closed_on": today.isoformat(),
        }


def require_concluded(listing: Listing, rules: RuleSet) -> None:
    """409 while a requested hearing has not concluded: nothing is decided before it."""
    if listing.hearing is None or listing.hearing["status"] == CONCLUDED:
        return
    raise Conflict(
        f"a hearing was requested on listing {listing.id}: it is decided only after the "
        f"hearing has concluded (now {listing.hearing['status']})",
        code="hearing_not_concluded",
        hearing_status=listing.hearing["status"],
        hearing_on=listing.hearing.get("hearing_on"),
        rule_version=rules.version,
        source=rules.hearing.source.cite(),
    )


def _open(listing: Listing, *statuses: str, doing: str) -> dict:
    if listing.status not in (ListingStatus.PROPOSED, ListingStatus.OBJECTION_FILED):
        raise IllegalTransition(
            f"cannot {doing} a hearing on a listing that is {listing.status.value}",
            current_status=listing.status.value,
        )
    if listing.hearing is None or listing.hearing["status"] not in statuses:
        status = listing.hearing["status"] if listing.hearing else "not_requested"
        raise IllegalTransition(f"cannot {doing} a hearing that is {status}", current_status=status)
    return dict(listing.hearing)  # a new object, so the JSON column sees the change
