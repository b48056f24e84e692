"""Disputes over published records: file (the enterprise concerned, or a regulator for a
natural person the record names), decide (a regulator of its region, within the rule's
deadline). Each step shows in the disclosure feed; the decision
is announced as ``credit.record.dispute_decided``."""

from datetime import date

from services.credit.domain import disputes
from services.credit.domain.disputes import CORRECTED, WITHDRAWN, Dispute
from services.credit.domain.periods import deadline
from services.credit.domain.record import CreditRecord, DisclosureEnd
from services.credit.service_layer import files
from services.credit.service_layer.policy import DEFAULT_POLICY, Policy
from services.credit.service_layer.unit_of_work import CreditUnitOfWork
from shared.auth import Principal, Role
from shared.auth.authority import Power, authorise
from shared.contracts.credit import RecordDisputeDecidedV1
from shared.exceptions import Forbidden, NotFound


def file(
    uow: CreditUnitOfWork,
    record_id: str,
    statement: str,
    evidence: list[str],
    actor: Principal,
    *,
    today: date,
    policy: Policy = DEFAULT_POLICY,
) -> Dispute:
    """The enterprise concerned disputes its own record."""
    if actor.role is not Role.ENTERPRISE:
        raise Forbidden("the enterprise concerned files disputes", code="role_not_allowed")
    with uow:
        uscc = uow.records.owner_of(record_id)
        if uscc is None or files.is_foreign(actor, uscc):
            raise NotFound(f"no record {record_id} of yours", code="record_not_found")
        files.lock_enterprise(uow, uscc, actor)
        record = uow.records.get(record_id, for_update=True)
        assert record is not None
        dispute = _file(uow, record, statement, evidence, actor, today, policy, None)
        uow.commit()
        return dispute


def file_for_person(
    uow: CreditUnitOfWork,
    record_id: str,
    statement: str,
    evidence: list[str],
    person: tuple[str, str],
    actor: Principal,
    *,
    today: date,
    policy: Policy = DEFAULT_POLICY,
) -> Dispute:
    """A regulator of the record's region files the dispute of a natural person the record
    names (``person``: name and identity number, matched against the record's persons)."""
    files.require_regulator(actor)
    with uow:
        uscc = uow.records.owner_of(record_id)
        if uscc is None:
            raise NotFound(f"no record {record_id}", code="record_not_found")
        enterprise = files.lock_enterprise(uow, uscc, actor)
        authorise(actor, Power.FILE_DISPUTE_FOR_PERSON, enterprise.region_code)
        record = uow.records.get(record_id, for_update=True)
        assert record is not None
        named = disputes.named_person(
            record, name=person[0], id_number=person[1], source=policy.rules.dispute_source.cite()
        )
        dispute = _file(uow, record, statement, evidence, actor, today, policy, named)
        uow.commit()
        return dispute


def _file(
    uow: CreditUnitOfWork,
    record: CreditRecord,
    statement: str,
    evidence: list[str],
    actor: Principal,
    today: date,
    policy: Policy,
    on_behalf_of: dict | None,
) -> Dispute:
    rules = policy.rules
    dispute = disputes.file(
        record,
        statement=statement,
        evidence=evidence,
        today=today,
        by=actor.actor(),
        due_on=deadline(today, rules.dispute_within, policy.workdays),
        rule_version=rules.version,
        source=rules.dispute_source.cite(),
        on_behalf_of=on_behalf_of,
    )
    uow.disputes.add(dispute)
    uow.records.save(record)
    uow.disclosures.republish("record", record.id, record.uscc, "under_dispute")
    uow.changes.record(record.uscc, "record_disputed")
    by_whom = (
        f"on behalf of {on_behalf_of['name']} ({on_behalf_of['role']}), a person it names"
        if on_behalf_of
        else "by you"
    )
    uow.notices.add(
        record.uscc,
        "dispute_received",
        dispute.id,
        f"A dispute over record {record.id} was filed {by_whom}; it is shown as under "
        f"dispute and will be decided by {dispute.due_on}.",
        rules.dispute_source.cite(),
    )
    return dispute


def decide(
    uow: CreditUnitOfWork,
    dispute_id: str,
    *,
    outcome: str,
    reason: str,
    corrections: dict[str, str],
    actor: Principal,
    today: date,
) -> Dispute:
    files.require_regulator(actor)
    with uow:
        uscc = uow.disputes.owner_of(dispute_id)
        if uscc is None:
            raise NotFound(f"no dispute {dispute_id}", code="dispute_not_found")
        enterprise = files.lock_enterprise(uow, uscc, actor)
        dispute = uow.disputes.get(dispute_id, for_update=True)
        assert dispute is not None
        record = uow.records.get(dispute.record_id, for_update=True)
        assert record is not None
        disputes.decide(
            dispute,
            record,
            outcome=outcome,
            reason=reason,
            corrections=corrections,
            today=today,
            by=actor.actor(),
        )
        _disclose_outcome(uow, record, outcome, today)
        uow.records.save(record)
        uow.disputes.save(dispute)
        uow.changes.record(uscc, f"dispute_{outcome}")
        whose = (
            f"The dispute filed on behalf of {dispute.on_behalf_of['name']}"
            if dispute.on_behalf_of
            else "Your dispute"
        )
        uow.notices.add(
            uscc, "dispute_decided", dispute.id, f"{whose} was decided: {outcome}. {reason}"
        )
        uow.emit(
            RecordDisputeDecidedV1(
                dispute_id=dispute.id,
                record_id=record.id,
                uscc=uscc,
                enterprise_name=enterprise.name,
                outcome=outcome,
                reason=dispute.decision_reason or "",
                corrections=dispute.corrections,
                decided_on=today,
            ),
            subject=uscc,
        )
        if outcome == WITHDRAWN:
            files.regrade(uow, enterprise, today, f"dispute_withdrawn:{record.id}")
        uow.commit()
        return dispute


def _disclose_outcome(
    uow: CreditUnitOfWork, record: CreditRecord, outcome: str, today: date
) -> None:
    """Withdrawn: the record leaves disclosure; otherwise it is republished (corrected or not)."""
    if outcome == WITHDRAWN and record.disclosed:
        record.end_disclosure(DisclosureEnd.DISPUTE_WITHDRAWN, today)
        uow.disclosures.withdraw("record", record.id, record.uscc, DisclosureEnd.DISPUTE_WITHDRAWN)
    else:
        feed_reason = "corrected" if outcome == CORRECTED else "dispute_rejected"
        uow.disclosures.republish("record", record.id, record.uscc, feed_reason)
