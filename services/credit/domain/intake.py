"""Records that originate in other services wait for a regulator (publication follows the
procedure): an inspection refusal, a published failed spot check, a certificate revoked for
cause or an approval withdrawn becomes a *proposal* in a queue with a review deadline; only a
regulator's confirmation turns it into a credit record (with its own decision where the rule
needs one, e.g. a refusal of inspection); a rejection keeps the reasons.
"""

from dataclasses import dataclass
from datetime import date

from services.credit.domain.model import IllegalTransition, new_id, required
from shared.exceptions import InvalidInput

PENDING, CONFIRMED, REJECTED = "pending", "confirmed", "rejected"
# Record classes a regulator confirms only with a decision of its own (decision number, date).
NEEDS_OWN_DECISION = frozenset({"inspection_refused"})


@dataclass
class RecordProposal:
    id: str
    source_event_id: str
    source_service: str
    uscc: str
    region_code: str
    record_class: str
    command: dict  # the AddRecord fields (dates as ISO strings)
    received_on: date
    due_on: date
    rule_version: str
    status: str = PENDING
    decided_on: date | None = None
    decided_by: str | None = None
    decision_reason: str | None = None
    record_id: str | None = None

    def overdue(self, today: date) -> bool:
        return self.status == PENDING and today > self.due_on

    def decide(
        self,
        confirm: bool,
        reason: str,
        today: date,
        by: str,
        decision_number: str | None = None,
    ) -> None:
        if self.status != PENDING:
            raise IllegalTransition(
                f"proposal {self.id} was already {self.status}", current_status=self.status
            )
        self.decision_reason = required(reason, "the decision's reasons", "reason_required")
        if (
            confirm
            and self.record_class in NEEDS_OWN_DECISION
            and not (decision_number or "").strip()
        ):
            raise InvalidInput(
                f"a {self.record_class} record needs the regulator's own decision: give its "
                "decision number and date",
                code="decision_required",
                record_class=self.record_class,
            )
        self.status = CONFIRMED if confirm else REJECTED
        self.decided_on = today
        self.decided_by = by


def new_proposal(
    *,
    source_event_id: str,
    source_service: str,
    uscc: str,
    region_code: str,
    record_class: str,
    command: dict,
    received_on: date,
    due_on: date,
    rule_version: str,
) -> RecordProposal:
    return RecordProposal(
        id=new_id("RP"),
        source_event_id=source_event_id,
        source_service=source_service,
        uscc=uscc,
        region_code=region_code,
        record_class=record_class,
        command=command,
        received_on=received_on,
        due_on=due_on,
        rule_version=rule_version,
    )
