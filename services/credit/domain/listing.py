"""The dishonesty list: a listing's due process from proposal to removal."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from services.credit.domain.catalogue import RemovalReason
from services.credit.domain.model import NO_CALENDAR, IllegalTransition, new_id, required
from services.credit.domain.periods import Period, Unit, deadline_dated, last_day
from services.credit.domain.record import CreditRecord
from services.credit.domain.rules import DEFAULT_RULES, RuleSet
from shared.exceptions import Conflict, InvalidInput
from shared.workdays import WorkdayCalendar


class ListingStatus(StrEnum):
    PROPOSED = "proposed"
    OBJECTION_FILED = "objection_filed"
    LISTED = "listed"
    REMOVED = "removed"


@dataclass
class Objection:
    statement: str
    evidence: list[str]
    filed_on: date
    filed_by: str
    upheld: bool | None = None
    decision_reason: str | None = None
    decided_on: date | None = None
    decided_by: str | None = None
    hearing_requested: bool = False


@dataclass
class Listing:
    id: str
    uscc: str
    reason: str
    legal_basis: str
    basis_record_ids: list[str]
    measure_codes: list[str]
    term_years: int | None  # None: indefinite
    proposed_on: date
    proposed_by: str
    objection_deadline: date
    status: ListingStatus = ListingStatus.PROPOSED
    objection: Objection | None = None
    listed_on: date | None = None
    listed_by: str | None = None
    term_end: date | None = None
    removed_on: date | None = None
    removal_reason: RemovalReason | None = None
    removed_by: str | None = None
    rule_version: str = ""
    # who proposed it: only this authority or a higher one covering it decides (Order 44)
    proposer_level: str | None = None
    proposer_region: str | None = None
    proposer_department: str | None = None
    early_removal: dict | None = None  # see ``early_removal.py``
    hearing: dict | None = None  # see ``hearing.py``
    review_flag: str | None = None
    # official | provisional (shared.periods), and the calendar data the deadline rests on
    objection_deadline_provenance: str | None = None
    objection_calendar_version: str | None = None

    @property
    def active(self) -> bool:
        return self.status is not ListingStatus.REMOVED

    def _require(self, *allowed: ListingStatus, doing: str) -> None:
        if self.status not in allowed:
            raise IllegalTransition(
                f"cannot {doing} a listing that is {self.status.value}",
                current_status=self.status.value,
            )

    def file_objection(self, statement: str, evidence: list[str], today: date, by: str) -> None:
        self._require(ListingStatus.PROPOSED, doing="object to")
        if self.objection is not None:
            raise Conflict("an objection was already filed and decided", code="objection_exists")
        if today > self.objection_deadline:
            raise Conflict(
                f"the objection window closed on {self.objection_deadline}",
                code="objection_window_closed",
                objection_deadline=self.objection_deadline.isoformat(),
            )
        text = required(statement, "a statement", "statement_required")
        self.objection = Objection(text, list(evidence), today, by)
        self.status = ListingStatus.OBJECTION_FILED

    def decide_objection(self, upheld: bool, reason: str, today: date, by: str) -> None:
        self._require(ListingStatus.OBJECTION_FILED, doing="decide an objection to")
        assert self.objection is not None
        self.objection.upheld = upheld
        self.objection.decision_reason = required(
            reason, "the decision's reasons", "reason_required"
        )
        self.objection.decided_on = today
        self.objection.decided_by = by
        if upheld:
            self._removed(RemovalReason.OBJECTION_UPHELD, today, by)
        else:
            self.status = ListingStatus.PROPOSED

    def confirm(self, today: date, by: str) -> None:
        """Put the enterprise on the list, once the objection window is over or decided."""
        self._require(ListingStatus.PROPOSED, doing="list")
        if self.objection is None and today <= self.objection_deadline:
            raise Conflict(
                f"the objection window is open until {self.objection_deadline}",
                code="objection_window_open",
                objection_deadline=self.objection_deadline.isoformat(),
            )
        self.status = ListingStatus.LISTED
        self.listed_on = today
        self.listed_by = by
        self.term_end = (
            last_day(today, Period(self.term_years, Unit.YEARS), NO_CALENDAR)
            if self.term_years
            else None
        )

    def remove(self, reason: RemovalReason, today: date, by: str) -> ListingStatus:
        """Returns the status before removal (measures are lifted only if it was listed)."""
        if reason is RemovalReason.OBJECTION_UPHELD:
            raise InvalidInput("an objection is upheld by deciding it", code="invalid_reason")
        allowed: tuple[ListingStatus, ...] = (ListingStatus.LISTED,)
        if reason is not RemovalReason.TERM_ENDED:
            allowed = (ListingStatus.PROPOSED, ListingStatus.OBJECTION_FILED, ListingStatus.LISTED)
        self._require(*allowed, doing=f"remove ({reason.value})")
        old = self.status
        self._removed(reason, today, by)
        return old

    def term_over(self, today: date) -> bool:
        return (
            self.status is ListingStatus.LISTED
            and self.term_end is not None
            and today > self.term_end
        )

    def _removed(self, reason: RemovalReason, today: date, by: str) -> None:
        self.status = ListingStatus.REMOVED
        self.removed_on = today
        self.removal_reason = reason
        self.removed_by = by


def propose_listing(
    *,
    uscc: str,
    reason: str,
    legal_basis: str,
    basis: list[CreditRecord],
    measure_codes: list[str],
    term_years: int | None,
    today: date,
    by: str,
    objection_window: Period,
    workdays: WorkdayCalendar,
    rules: RuleSet = DEFAULT_RULES,
) -> Listing:
    """A listing rests on records in force that a listing ground of ``rules`` covers, has
    reasons, a legal basis and a term within the rule's bounds (default: the rule's term)."""
    legal_basis = required(legal_basis, "the legal basis", "legal_basis_required")
    reason = required(reason, "the reasons", "reason_required")
    if not basis:
        raise InvalidInput("name at least one credit record in force", code="basis_required")
    for rec in basis:
        if rec.uscc != uscc or not rec.negative or not rec.in_force(today):
            raise InvalidInput(
                f"record {rec.id} is not a negative record in force for {uscc}",
                code="basis_record_not_in_force",
                record_id=rec.id,
            )
        _require_ground(rec, rules)
    if not measure_codes:
        raise InvalidInput("name at least one joint-punishment measure", code="measures_required")
    return Listing(
        id=new_id("DL"),
        uscc=uscc,
        reason=reason,
        legal_basis=legal_basis,
        basis_record_ids=[r.id for r in basis],
        measure_codes=list(dict.fromkeys(measure_codes)),
        term_years=rules.term_years(term_years),
        proposed_on=today,
        proposed_by=by,
        **objection_deadline_fields(today, objection_window, workdays),
        rule_version=rules.version,
    )


def _require_ground(record: CreditRecord, rules: RuleSet) -> None:
    if rules.ground_for(record.record_class, record.severity) is not None:
        return
    raise InvalidInput(
        f"record {record.id} ({record.record_class}, {record.severity.value}) is no ground "
        f"for listing under rule version {rules.version}",
        code="basis_not_qualifying",
        record_id=record.id,
        record_class=record.record_class,
        severity=record.severity.value,
        rule_version=rules.version,
        qualifying=[
            {
                "ground": g.code,
                "record_classes": sorted(g.record_classes),
                "severities": sorted(s.value for s in g.severities),
                "source": g.source.cite(),
            }
            for g in rules.grounds
        ],
    )


def objection_deadline_fields(
    proposed_on: date, objection_window: Period, workdays: WorkdayCalendar
) -> dict[str, Any]:
    """A party's deadline (rolled past rest days, 民法典 第二百零三条), with its provenance."""
    dated = deadline_dated(proposed_on, objection_window, workdays)
    return {
        "objection_deadline": dated.day,
        "objection_deadline_provenance": dated.provenance.value,
        "objection_calendar_version": dated.calendar_version,
    }
