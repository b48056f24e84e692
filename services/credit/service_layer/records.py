"""Credit records: adding a decision to an enterprise's file (and its repair notice)."""

from datetime import date

from sqlalchemy.exc import IntegrityError

from services.credit.domain import catalogue, record
from services.credit.domain.model import Enterprise
from services.credit.domain.record import CreditRecord
from services.credit.domain.rules import RuleSet
from services.credit.service_layer import authority
from services.credit.service_layer.commands import AddRecord
from services.credit.service_layer.files import (
    check_jurisdiction,
    new_enterprise,
    regrade,
    require_regulator,
)
from services.credit.service_layer.policy import DEFAULT_POLICY, Actor, Policy
from services.credit.service_layer.ports import CreditWork
from shared.clock import utcnow
from shared.contracts.credit import CreditRecordAddedV1
from shared.exceptions import NotFound
from shared.uscc import validate as validate_uscc


def add_record(
    uow: CreditWork,
    cmd: AddRecord,
    actor: Actor,
    *,
    today: date,
    policy: Policy = DEFAULT_POLICY,
) -> CreditRecord:
    """Record a decision. Regulators record in their jurisdiction; consumers of other services'
    events call this with a ``SystemActor`` and the event id as ``source_event_id``."""
    require_regulator(actor)
    uscc = validate_uscc(cmd.uscc, legacy_codes=policy.legacy_codes)
    try:
        return add_record_in_uow(uow, cmd, uscc, actor, today, policy)
    except IntegrityError:
        # A concurrent delivery of the same source event won the race: its record stands.
        if cmd.source_event_id is None:
            raise
        with uow:
            existing = uow.records.by_source_event(cmd.source_event_id)
        if existing is None:
            raise
        return existing


def add_record_in_uow(
    uow: CreditWork, cmd: AddRecord, uscc: str, actor: Actor, today: date, policy: Policy
) -> CreditRecord:
    """``add_record`` for a validated USCC, without the retry on a concurrent duplicate."""
    with uow:
        if cmd.source_event_id:
            existing = uow.records.by_source_event(cmd.source_event_id)
            if existing is not None:
                return existing
        enterprise = _enterprise_for_record(uow, cmd, uscc, actor)
        if not cmd.source_event_id:
            authority.check_natural_key(uow, cmd.source_department, cmd.decision_number, uscc)
        added = _new_record(cmd, uscc, actor, today, policy)
        uow.records.add(added)
        _repair_notice(uow, added, policy.rules)
        if added.disclosed:
            uow.disclosures.publish("record", added.id, uscc)
            uow.changes.record(uscc, "record_added")
        uow.emit(_record_added(added, enterprise), subject=uscc)
        regrade(uow, enterprise, today, f"record_added:{added.id}")  # cause before effect
        uow.commit()
        return added


def _enterprise_for_record(uow: CreditWork, cmd: AddRecord, uscc: str, actor: Actor) -> Enterprise:
    """The enterprise locked; consumers may name one not yet registered, which registers it."""
    enterprise = uow.enterprises.get(uscc, for_update=True)
    if enterprise is not None:
        check_jurisdiction(actor, enterprise)
        return enterprise
    if not cmd.enterprise_name:
        raise NotFound(f"no enterprise {uscc}", code="enterprise_not_found")
    enterprise = new_enterprise(uscc, cmd.enterprise_name, cmd.enterprise_category, None)
    check_jurisdiction(actor, enterprise)
    uow.enterprises.add(enterprise)
    uow.changes.record(uscc, "registered")
    return enterprise


def _new_record(
    cmd: AddRecord, uscc: str, actor: Actor, today: date, policy: Policy
) -> CreditRecord:
    return record.new_record(
        uscc=uscc,
        record_class_code=cmd.record_class,
        severity=cmd.severity,
        sector=cmd.sector,
        title=cmd.title,
        facts=cmd.facts,
        legal_basis=cmd.legal_basis,
        decision_number=cmd.decision_number,
        decision_date=cmd.decision_date,
        source_service=cmd.source_service,
        source_department=cmd.source_department,
        persons=cmd.persons,
        source_event_id=cmd.source_event_id,
        recorded_by=actor.actor(),
        recorded_at=utcnow(),
        today=today,
        workdays=policy.workdays,
        rules=policy.rules,
    )


def _record_added(added: CreditRecord, enterprise: Enterprise) -> CreditRecordAddedV1:
    record_class = catalogue.RECORD_CLASSES[added.record_class]
    return CreditRecordAddedV1(
        record_id=added.id,
        uscc=added.uscc,
        enterprise_name=enterprise.name,
        record_class=added.record_class,
        kind=record_class.kind.value,
        severity=added.severity.value,
        sector=added.sector,
        title=added.title,
        legal_basis=added.legal_basis,
        decision_number=added.decision_number,
        decision_date=added.decision_date,
        source_service=added.source_service,
        source_department=added.source_department,
        source_event_id=added.source_event_id,
        publication_until=added.publication_until,
        disclosed=added.disclosed,
    )


def _repair_notice(uow: CreditWork, added: CreditRecord, rules: RuleSet) -> None:
    """两书同达: the repair notice goes out with the penalty record."""
    record_class = catalogue.RECORD_CLASSES[added.record_class]
    if not (record_class.repairable and added.disclosed):
        return
    earliest = added.earliest_repair_application(rules)
    uow.notices.add(
        added.uscc,
        "repair_notice",
        added.id,
        f"Credit repair of record {added.id} ({added.title}) may be applied for from "
        f"{earliest} (sector {added.sector}): correct the violation, fulfil the decision's "
        f"obligations and file a written commitment with evidence. Repair is not open while "
        f"listed on the list of serious violators.",
        rules.repair.source.cite(),
    )
