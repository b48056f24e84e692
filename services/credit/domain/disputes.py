"""Disputes over published credit information (issue 12).

The enterprise concerned, or a natural person the record names (through a regulator who
receives the dispute and records which person of the record it is filed for: ``on_behalf_of``
holds the person's position in ``persons``, role and masked name, never the ID number), files
a dispute on a record in public disclosure; the record shows
"under dispute" publicly until a regulator decides, within the rule's deadline: rejected (the
record stands), corrected (named fields replaced) or withdrawn (the record leaves disclosure).
"""

from dataclasses import dataclass, field
from datetime import date

from services.credit.domain.masking import mask_name
from services.credit.domain.model import IllegalTransition, new_id, required
from services.credit.domain.record import CreditRecord
from shared.exceptions import Conflict, InvalidInput

PENDING, REJECTED, CORRECTED, WITHDRAWN = "pending", "rejected", "corrected", "withdrawn"
OUTCOMES = (REJECTED, CORRECTED, WITHDRAWN)
# What a correction may replace; the class, severity and dates would be a new decision.
CORRECTABLE = ("title", "facts", "legal_basis", "decision_number", "source_department")


@dataclass
class Dispute:
    id: str
    record_id: str
    uscc: str
    statement: str
    evidence: list[str]
    filed_on: date
    filed_by: str
    due_on: date
    rule_version: str
    status: str = PENDING
    decided_on: date | None = None
    decided_by: str | None = None
    decision_reason: str | None = None
    corrections: dict[str, str] = field(default_factory=dict)
    on_behalf_of: dict[str, str | int] | None = None


def _normalised_id(value: str) -> str:
    return "".join(value.split()).upper()


def named_person(record: CreditRecord, *, name: str, id_number: str, source: str) -> dict:
    """The reference to the person of ``record`` with this name and identity number, or 422:
    only someone the record names may dispute it besides the enterprise."""
    wanted = (name.strip(), _normalised_id(id_number))
    for index, person in enumerate(record.persons):
        found = (person.get("name", "").strip(), _normalised_id(person.get("id_number", "")))
        if wanted[1] and found == wanted:
            return {
                "person_index": index,
                "role": person.get("role", ""),
                "name": mask_name(wanted[0]),
            }
    raise InvalidInput(
        f"record {record.id} names no person with this name and identity number",
        code="person_not_named",
        record_id=record.id,
        source=source,
    )


def file(
    record: CreditRecord,
    *,
    statement: str,
    evidence: list[str],
    today: date,
    by: str,
    due_on: date,
    rule_version: str,
    source: str,
    on_behalf_of: dict | None = None,
) -> Dispute:
    if not record.in_force(today):
        raise Conflict(
            f"record {record.id} is not in public disclosure: nothing published to dispute",
            code="record_not_published",
            rule_version=rule_version,
            source=source,
        )
    if record.under_dispute:
        raise Conflict(f"record {record.id} is already under dispute", code="dispute_pending")
    record.under_dispute = True
    return Dispute(
        id=new_id("DS"),
        record_id=record.id,
        uscc=record.uscc,
        statement=required(statement, "a statement", "statement_required"),
        evidence=[e for e in (x.strip() for x in evidence) if e],
        filed_on=today,
        filed_by=by,
        due_on=due_on,
        rule_version=rule_version,
        on_behalf_of=on_behalf_of,
    )


def decide(
    dispute: Dispute,
    record: CreditRecord,
    *,
    outcome: str,
    reason: str,
    corrections: dict[str, str],
    today: date,
    by: str,
) -> None:
    if dispute.status != PENDING:
        raise IllegalTransition(
            f"dispute {dispute.id} was already decided", current_status=dispute.status
        )
    if outcome not in OUTCOMES:
        raise InvalidInput(f"unknown outcome {outcome!r}", code="invalid_outcome", allowed=OUTCOMES)
    dispute.decision_reason = required(reason, "the decision's reasons", "reason_required")
    if outcome == CORRECTED:
        unknown = sorted(set(corrections) - set(CORRECTABLE))
        if not corrections or unknown:
            raise InvalidInput(
                "a correction names the fields it replaces",
                code="invalid_correction",
                correctable=list(CORRECTABLE),
                unknown=unknown,
            )
        for name, value in corrections.items():
            setattr(record, name, required(value, name, "invalid_correction"))
        dispute.corrections = dict(corrections)
    record.under_dispute = False
    dispute.status = outcome
    dispute.decided_on = today
    dispute.decided_by = by
