"""Records from other services' events: queued as proposals, confirmed or rejected by a
regulator of the enterprise's region. One transaction per use case; confirmation writes the
record (feed, events, regrade) in the same transaction as the decision."""

import dataclasses
from datetime import date
from typing import Any

from services.credit.domain import intake
from services.credit.domain.intake import RecordProposal
from services.credit.domain.periods import deadline
from services.credit.service_layer import files, records
from services.credit.service_layer.commands import AddRecord
from services.credit.service_layer.policy import DEFAULT_POLICY, Actor, Policy
from services.credit.service_layer.unit_of_work import CreditUnitOfWork
from shared.auth import Principal
from shared.exceptions import Forbidden, NotFound
from shared.uscc import region_of


def _to_json(cmd: AddRecord) -> dict[str, Any]:
    values = dataclasses.asdict(cmd)
    values["decision_date"] = cmd.decision_date.isoformat()
    return values


def _from_json(values: dict[str, Any]) -> AddRecord:
    return AddRecord(**{**values, "decision_date": date.fromisoformat(values["decision_date"])})


def propose_record(
    uow: CreditUnitOfWork, cmd: AddRecord, *, today: date, policy: Policy = DEFAULT_POLICY
) -> RecordProposal:
    """Queue a record from another service's event; idempotent by ``source_event_id``."""
    assert cmd.source_event_id, "proposals come from events"
    with uow:
        existing = uow.proposals.by_source_event(cmd.source_event_id)
        if existing is not None:
            return existing
        proposal = intake.new_proposal(
            source_event_id=cmd.source_event_id,
            source_service=cmd.source_service,
            uscc=cmd.uscc,
            region_code=region_of(cmd.uscc),
            record_class=cmd.record_class,
            command=_to_json(cmd),
            received_on=today,
            due_on=deadline(today, policy.rules.intake_review_within, policy.workdays),
            rule_version=policy.rules.version,
        )
        uow.proposals.add(proposal)
        uow.commit()
        return proposal


def decide(
    uow: CreditUnitOfWork,
    proposal_id: str,
    *,
    confirm: bool,
    reason: str,
    actor: Principal,
    today: date,
    policy: Policy = DEFAULT_POLICY,
    decision_number: str | None = None,
    decision_date: date | None = None,
    severity: str | None = None,
) -> RecordProposal:
    """A regulator of the enterprise's region confirms (the record is made, with the
    regulator's own decision where the class needs one) or rejects with reasons."""
    files.require_regulator(actor)
    with uow:
        proposal = uow.proposals.get(proposal_id, for_update=True)
        if proposal is None:
            raise NotFound(f"no record proposal {proposal_id}", code="proposal_not_found")
        if not actor.covers_region(proposal.region_code):
            raise Forbidden(
                f"proposal {proposal_id} is outside your jurisdiction",
                code="outside_jurisdiction",
            )
        proposal.decide(confirm, reason, today, actor.actor(), decision_number)
        if confirm:
            proposal.record_id = _confirm(
                uow, proposal, actor, today, policy, decision_number, decision_date, severity
            )
        uow.proposals.save(proposal)
        uow.commit()
        return proposal


def _confirm(
    uow: CreditUnitOfWork,
    proposal: RecordProposal,
    actor: Actor,
    today: date,
    policy: Policy,
    decision_number: str | None,
    decision_date: date | None,
    severity: str | None,
) -> str:
    cmd = _from_json(proposal.command)
    changes: dict[str, Any] = {}
    if decision_number:
        changes["decision_number"] = decision_number.strip()
        changes["source_department"] = getattr(actor, "department", None) or cmd.source_department
    if decision_date:
        changes["decision_date"] = decision_date
    if severity:
        changes["severity"] = severity
    cmd = dataclasses.replace(cmd, **changes)
    joined = CreditUnitOfWork(uow.engine).joining(uow.session)
    record = records.add_record_in_uow(joined, cmd, cmd.uscc, actor, today, policy)
    uow.notices.add(  # the decision, with its reasons and basis, goes to the enterprise
        record.uscc,
        "record_decided",
        record.id,
        f"Decision {record.decision_number} of {record.decision_date}: {record.title}. "
        f"Reasons: {proposal.decision_reason}",
        record.legal_basis,
    )
    return record.id


def overdue_count(uow: CreditUnitOfWork, today: date) -> int:
    with uow:
        return uow.proposals.overdue_count(today)
