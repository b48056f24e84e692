"""Credit records: a decision in an enterprise's file and its publication period."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from services.credit.domain.catalogue import (
    RecordClass,
    Severity,
    min_repair_period,
    record_class,
)
from services.credit.domain.model import IllegalTransition, new_id, required
from services.credit.domain.periods import Unit, add_months, last_day_dated
from services.credit.domain.rules import DEFAULT_RULES, RuleSet
from shared.exceptions import InvalidInput
from shared.workdays import WorkdayCalendar


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
    chosen = _severity(rc, severity)
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
        _not_disclosed(record, DisclosureEnd.NOT_PUBLISHED, today)
    elif until < today:  # recorded late: its publication period has already run out
        _not_disclosed(record, DisclosureEnd.PERIOD_ENDED, today)
    return record


def _severity(rc: RecordClass, severity: str | None) -> Severity:
    """The severity given (one the class allows), else the class's default."""
    chosen = Severity(severity) if severity else rc.default_severity
    if chosen not in rc.severities:
        raise InvalidInput(
            f"a {rc.code} record cannot have severity {chosen.value}",
            code="severity_not_allowed",
            allowed=[s.value for s in rc.severities],
        )
    return chosen


def _not_disclosed(record: CreditRecord, reason: DisclosureEnd, today: date) -> None:
    """A new record kept in the file only, never in disclosure."""
    record.disclosed = False
    record.disclosure_ended_on = today
    record.disclosure_end_reason = reason


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
