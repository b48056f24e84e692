"""Credit repair: ending a record's disclosure early on the enterprise's application."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.credit.domain.catalogue import record_class
from services.credit.domain.model import NO_CALENDAR, IllegalTransition, new_id, required
from services.credit.domain.periods import deadline
from services.credit.domain.record import CreditRecord
from services.credit.domain.rules import DEFAULT_RULES, RuleSet
from shared.exceptions import Conflict, InvalidInput
from shared.workdays import WorkdayCalendar


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
    workdays: WorkdayCalendar = NO_CALENDAR,
) -> RepairApplication:
    """Repair of one record: not while listed (early removal applies), not after a later
    penalty of the same kind, not before the sector's minimum publication period."""
    _check_repair_open(record, today, listed, later_same_kind or [], rules)
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


def _check_repair_open(
    record: CreditRecord,
    today: date,
    listed: bool,
    later_same_kind: list[CreditRecord],
    rules: RuleSet,
) -> None:
    """Conflict unless ``record`` may be repaired today, checked in the order the rules give."""
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
    repeats = [r.id for r in later_same_kind if r.id != record.id]
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
