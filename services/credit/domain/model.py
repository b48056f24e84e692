"""Credit subjects, credit records, dishonesty listings and repair applications.

Pure Python: no ORM, no web. Dates with legal meaning (decision dates, publication periods,
objection deadlines, listing terms) are China Standard Time calendar dates passed in by the
caller; timestamps are aware UTC datetimes.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from services.credit.domain.catalogue import (
    Category,
    RemovalReason,
    Severity,
    min_repair_period,
    record_class,
)
from services.credit.domain.grading import CURRENT_RULES, Assessment, Grade
from services.credit.domain.periods import (
    Period,
    Unit,
    add_months,
    deadline,
    deadline_dated,
    last_day,
    last_day_dated,
)
from services.credit.domain.rules import DEFAULT_RULES, RuleSet
from shared.exceptions import Conflict, InvalidInput
from shared.workdays import WorkdayCalendar


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16].upper()}"


def required(value: str | None, what: str, code: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{what} is required", code=code)
    return text


class IllegalTransition(Conflict):
    code = "illegal_transition"


# -- credit subjects ----------------------------------------------------------------------------
@dataclass
class GradeChange:
    uscc: str
    from_grade: Grade | None
    to_grade: Grade
    score: int
    rule_version: str
    reasons: tuple[str, ...]
    trigger: str
    occurred_at: datetime


@dataclass
class Enterprise:
    uscc: str
    name: str
    region_code: str
    category: Category
    # The natural person operating an individual business: personal data, never public as is.
    operator_name: str | None = None
    operator_id_number: str | None = None
    risk_grade: Grade = Grade.A
    grade_score: int = 0
    grade_rule_version: str = CURRENT_RULES.version
    graded_at: datetime | None = None

    def regrade(self, assessment: Assessment, *, trigger: str, at: datetime) -> GradeChange | None:
        """Apply an assessment; returns the change to record and announce, if the grade moved."""
        old = self.risk_grade
        self.grade_score = assessment.score
        self.grade_rule_version = assessment.rule_version
        self.graded_at = at
        if assessment.grade is old:
            return None
        self.risk_grade = assessment.grade
        return GradeChange(
            self.uscc,
            old,
            assessment.grade,
            assessment.score,
            assessment.rule_version,
            assessment.reasons,
            trigger,
            at,
        )


# -- credit records -----------------------------------------------------------------------------
class DisclosureEnd(StrEnum):
    PERIOD_ENDED = "period_ended"
    REPAIRED = "repaired"
    BASIS_REVOKED = "basis_revoked"
    NOT_PUBLISHED = "not_published"  # the publication rules exclude its class (warnings)
    DISPUTE_WITHDRAWN = "dispute_withdrawn"  # withdrawn on a dispute upheld


@dataclass
class CreditRecord:
    id: str
    uscc: str
    record_class: str
    severity: Severity
    sector: str
    title: str
    facts: str
    legal_basis: str
    decision_number: str
    decision_date: date
    source_service: str
    source_department: str
    publication_until: date
    recorded_by: str
    recorded_at: datetime
    persons: list[dict[str, str]] = field(default_factory=list)
    source_event_id: str | None = None
    disclosed: bool = True
    disclosure_ended_on: date | None = None
    disclosure_end_reason: DisclosureEnd | None = None
    rule_version: str = ""
    # set by a migration when the record was made under superseded behaviour
    review_flag: str | None = None
    under_dispute: bool = False  # a dispute is pending (shown in public views)
    # official | provisional (shared.periods): working-day periods running into a year without
    # the State Council's table are provisional until it is loaded (then recomputed)
    publication_until_provenance: str | None = None
    publication_calendar_version: str | None = None

    @property
    def negative(self) -> bool:
        return self.severity is not Severity.POSITIVE

    def in_force(self, today: date) -> bool:
        """Published and counted: within its publication period and not repaired."""
        return self.disclosed and today <= self.publication_until

    def end_disclosure(self, reason: DisclosureEnd, on: date) -> None:
        if not self.disclosed:
            raise IllegalTransition(
                f"record {self.id} is no longer disclosed",
                code="record_not_in_disclosure",
                reason=self.disclosure_end_reason,
            )
        self.disclosed = False
        self.disclosure_ended_on = on
        self.disclosure_end_reason = reason

    def earliest_repair_application(self, rules: RuleSet = DEFAULT_RULES) -> date:
        return earliest_repair_application(self.sector, self.decision_date, rules)


def earliest_repair_application(
    sector: str, decision_date: date, rules: RuleSet = DEFAULT_RULES
) -> date:
    """The day after the sector's minimum publication period has run out."""
    min_repair_period(sector)  # validates the sector
    minimum = rules.min_repair_publication(sector)
    months = minimum.length * (12 if minimum.unit is Unit.YEARS else 1)
    return add_months(decision_date, months) + timedelta(days=1)


def new_record(
    *,
    uscc: str,
    record_class_code: str,
    severity: str | None,
    sector: str,
    title: str,
    facts: str,
    legal_basis: str,
    decision_number: str,
    decision_date: date,
    source_service: str,
    source_department: str,
    persons: list[dict[str, str]],
    source_event_id: str | None,
    recorded_by: str,
    recorded_at: datetime,
    today: date,
    workdays: WorkdayCalendar,
    rules: RuleSet = DEFAULT_RULES,
) -> CreditRecord:
    rc = record_class(record_class_code)
    min_repair_period(sector)  # validates the sector
    chosen = Severity(severity) if severity else rc.default_severity
    if chosen not in rc.severities:
        raise InvalidInput(
            f"a {rc.code} record cannot have severity {chosen.value}",
            code="severity_not_allowed",
            allowed=[s.value for s in rc.severities],
        )
    if decision_date > today:
        raise InvalidInput("the decision date lies in the future", code="decision_date_in_future")
    end = publication_end_fields(decision_date, rc.code, workdays)
    until = end["publication_until"]
    record = CreditRecord(
        id=new_id("CR"),
        uscc=uscc,
        record_class=rc.code,
        severity=chosen,
        sector=sector,
        title=required(title, "a title", "title_required"),
        facts=facts.strip(),
        legal_basis=required(legal_basis, "the legal basis", "legal_basis_required"),
        decision_number=required(
            decision_number, "the decision number", "decision_number_required"
        ),
        decision_date=decision_date,
        source_service=required(source_service, "the source service", "source_required"),
        source_department=required(source_department, "the source department", "source_required"),
        publication_until=until,
        recorded_by=recorded_by,
        recorded_at=recorded_at,
        persons=[dict(p) for p in persons],
        source_event_id=source_event_id,
        rule_version=rules.version,
        publication_until_provenance=end["publication_until_provenance"],
        publication_calendar_version=end["publication_calendar_version"],
    )
    if not rules.published(rc.code):  # kept in the file, never in the public feed
        record.disclosed = False
        record.disclosure_ended_on = today
        record.disclosure_end_reason = DisclosureEnd.NOT_PUBLISHED
    elif until < today:  # recorded late: its publication period has already run out
        record.disclosed = False
        record.disclosure_ended_on = today
        record.disclosure_end_reason = DisclosureEnd.PERIOD_ENDED
    return record


def publication_end_fields(
    decision_date: date, record_class_code: str, workdays: WorkdayCalendar
) -> dict[str, Any]:
    """The last day of a record's publication (never moved past rest days), with provenance."""
    dated = last_day_dated(decision_date, record_class(record_class_code).publication, workdays)
    return {
        "publication_until": dated.day,
        "publication_until_provenance": dated.provenance.value,
        "publication_calendar_version": dated.calendar_version,
    }


# -- the dishonesty list ------------------------------------------------------------------------
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
            last_day(today, Period(self.term_years, Unit.YEARS), _NO_CALENDAR)
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


# Year terms are calendar arithmetic and never consult the holiday calendar.
_NO_CALENDAR = WorkdayCalendar()


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


# -- credit repair ------------------------------------------------------------------------------
class RepairStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass
class RepairApplication:
    id: str
    uscc: str
    record_id: str
    commitment: str
    evidence: list[str]
    applied_on: date
    applied_by: str
    status: RepairStatus = RepairStatus.PENDING
    decided_on: date | None = None
    decided_by: str | None = None
    decision_reason: str | None = None
    rule_version: str = ""
    decision_due: date | None = None

    def decide(self, approved: bool, reason: str, today: date, by: str) -> None:
        if self.status is not RepairStatus.PENDING:
            raise IllegalTransition(
                f"repair application {self.id} was already {self.status.value}",
                current_status=self.status.value,
            )
        self.decision_reason = required(reason, "the decision's reasons", "reason_required")
        self.status = RepairStatus.APPROVED if approved else RepairStatus.REJECTED
        self.decided_on = today
        self.decided_by = by


def apply_for_repair(
    record: CreditRecord,
    *,
    commitment: str,
    evidence: list[str],
    today: date,
    by: str,
    listed: bool = False,
    later_same_kind: list[CreditRecord] | None = None,
    rules: RuleSet = DEFAULT_RULES,
    workdays: WorkdayCalendar = _NO_CALENDAR,
) -> RepairApplication:
    """Repair of one record: not while listed (early removal applies), not after a later
    penalty of the same kind, not before the sector's minimum publication period."""
    rc = record_class(record.record_class)
    if not rc.repairable:
        raise Conflict(
            f"{rc.code} records are not repaired; their publication ends by itself",
            code="repair_not_available",
            publication_until=record.publication_until.isoformat(),
        )
    if not record.in_force(today):
        raise Conflict(
            f"record {record.id} is no longer disclosed", code="record_not_in_disclosure"
        )
    if listed and not rules.repair.open_while_listed:
        raise Conflict(
            "credit repair is not open while the enterprise is on the list of serious "
            "violators; apply for early removal from the list instead",
            code="repair_not_open_while_listed",
            rule_version=rules.version,
            source=rules.repair.listed_source.cite(),
        )
    repeats = [r.id for r in later_same_kind or [] if r.id != record.id]
    if repeats and rules.repair.repeat_same_kind_bars:
        raise Conflict(
            f"a later penalty of the same kind ({', '.join(repeats)}) bars repair of {record.id}",
            code="repeat_penalty_same_kind",
            later_record_ids=repeats,
            rule_version=rules.version,
            source=rules.repair.source.cite(),
        )
    earliest = record.earliest_repair_application(rules)
    if today < earliest:
        raise Conflict(
            f"repair may be applied for from {earliest} (minimum publication period for the "
            f"{record.sector} sector)",
            code="repair_too_early",
            earliest=earliest.isoformat(),
            sector=record.sector,
            rule_version=rules.version,
            source=rules.repair.source.cite(),
        )
    items = [e for e in (x.strip() for x in evidence) if e]
    if not items:
        raise InvalidInput("attach evidence of the correction", code="evidence_required")
    return RepairApplication(
        id=new_id("RA"),
        uscc=record.uscc,
        record_id=record.id,
        commitment=required(commitment, "a written commitment", "commitment_required"),
        evidence=items,
        applied_on=today,
        applied_by=by,
        rule_version=rules.version,
        decision_due=deadline(today, rules.repair.decision_within, workdays),
    )
