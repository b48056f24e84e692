"""Early removal from the list of serious violators (提前移出, SAMR Order 44 art. 20-21).

The application is kept on the listing (``Listing.early_removal``, plain data): when it was
filed, the conditions of the rule version in force with whether each is met and why, the
decision deadline in working days, and the decision with its reasons. The system checks the
conditions it can compute (no new qualifying decision since listing); the regulator confirms
the others on the evidence. A grant removes the listing like any delisting.
"""

import copy
from datetime import date

from services.credit.domain.listing import Listing, ListingStatus
from services.credit.domain.model import IllegalTransition, required
from services.credit.domain.periods import deadline_dated, last_day
from services.credit.domain.record import CreditRecord
from services.credit.domain.rules import RuleSet
from shared.exceptions import Conflict, InvalidInput
from shared.workdays import WorkdayCalendar

PENDING, GRANTED, REFUSED = "pending", "granted", "refused"


def earliest_application(listing: Listing, rules: RuleSet, workdays: WorkdayCalendar) -> date:
    assert listing.listed_on is not None
    return last_day(listing.listed_on, rules.early_removal.min_listed, workdays)


def apply(
    listing: Listing,
    *,
    statement: str,
    evidence: list[str],
    new_qualifying: list[CreditRecord],
    today: date,
    by: str,
    rules: RuleSet,
    workdays: WorkdayCalendar,
) -> dict:
    """File an application; refused before the minimum listed period or while one pends."""
    if listing.status is not ListingStatus.LISTED:
        raise IllegalTransition(
            f"early removal applies to a listing in force, not one {listing.status.value}",
            current_status=listing.status.value,
        )
    if listing.early_removal and listing.early_removal["status"] == PENDING:
        raise Conflict("an early-removal application is pending", code="early_removal_pending")
    earliest = earliest_application(listing, rules, workdays)
    if today <= earliest:
        raise Conflict(
            f"early removal may be applied for after {earliest}",
            code="early_removal_too_early",
            earliest_after=earliest.isoformat(),
            rule_version=rules.version,
            source=rules.early_removal.source.cite(),
        )
    items = [e for e in (x.strip() for x in evidence) if e]
    if not items:
        raise InvalidInput("attach evidence for the conditions", code="evidence_required")
    due = deadline_dated(today, rules.early_removal.decision_within, workdays)
    application = {
        "status": PENDING,
        "applied_on": today.isoformat(),
        "applied_by": by,
        "statement": required(statement, "a statement", "statement_required"),
        "evidence": items,
        "conditions": _conditions(rules, new_qualifying),
        "decision_due": due.day.isoformat(),
        # official or provisional calendar (years without a published schedule)
        "decision_due_provenance": due.provenance.value,
        "calendar_version": due.calendar_version,
        "rule_version": rules.version,
        "source": rules.early_removal.source.cite(),
        "deadline_source": rules.early_removal.deadline_source.cite(),
    }
    listing.early_removal = application
    return application


def _conditions(rules: RuleSet, new_qualifying: list[CreditRecord]) -> list[dict]:
    shown = []
    for c in rules.early_removal.conditions:
        item: dict = {"code": c.code, "text": c.text, "checked_by": c.checked_by, "met": None}
        if c.code == "no_new_heavier_penalty":
            item["met"] = not new_qualifying
            item["detail"] = (
                "new qualifying decisions: " + ", ".join(r.id for r in new_qualifying)
                if new_qualifying
                else "no qualifying decision since listing"
            )
        shown.append(item)
    return shown


def decide(
    listing: Listing,
    *,
    granted: bool,
    reason: str,
    confirmed: list[str],
    today: date,
    by: str,
) -> None:
    """Grant (every condition met: system ones computed, the others confirmed by the
    regulator) or refuse with reasons. The caller removes a granted listing."""
    application = copy.deepcopy(listing.early_removal)
    if not application or application["status"] != PENDING:
        raise Conflict("no early-removal application is pending", code="early_removal_not_pending")
    reason = required(reason, "the decision's reasons", "reason_required")
    if granted:
        unmet = []
        for c in application["conditions"]:
            if c["checked_by"] == "regulator":
                c["met"] = c["code"] in confirmed
            if not c["met"]:
                unmet.append(c["code"])
        if unmet:
            raise Conflict(
                f"conditions not met: {', '.join(unmet)}",
                code="early_removal_conditions_not_met",
                unmet=unmet,
                rule_version=application["rule_version"],
                source=application["source"],
            )
    application.update(
        status=GRANTED if granted else REFUSED,
        decided_on=today.isoformat(),
        decided_by=by,
        decision_reason=reason,
    )
    listing.early_removal = application
