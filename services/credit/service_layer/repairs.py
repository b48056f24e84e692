"""Credit repair: an enterprise applies to end a record's disclosure early; a regulator decides."""

from datetime import date

from services.credit.domain import repair
from services.credit.domain.catalogue import RemovalReason
from services.credit.domain.listing import Listing, ListingStatus
from services.credit.domain.model import Enterprise
from services.credit.domain.record import DisclosureEnd
from services.credit.domain.repair import RepairApplication
from services.credit.service_layer.commands import ApplyForRepair
from services.credit.service_layer.files import (
    is_foreign,
    lock_enterprise,
    regrade,
    require_regulator,
)
from services.credit.service_layer.listings import remove
from services.credit.service_layer.policy import DEFAULT_POLICY, Policy
from services.credit.service_layer.ports import CreditWork
from shared.auth import Principal, Role
from shared.contracts.credit import RepairDecidedV1
from shared.exceptions import Conflict, Forbidden, NotFound


def apply_for_repair(
    uow: CreditWork,
    cmd: ApplyForRepair,
    actor: Principal,
    *,
    today: date,
    policy: Policy = DEFAULT_POLICY,
) -> RepairApplication:
    if actor.role is not Role.ENTERPRISE:
        raise Forbidden("only the enterprise concerned applies for repair", code="role_not_allowed")
    with uow:
        uscc = uow.records.owner_of(cmd.record_id)
        if uscc is None or is_foreign(actor, uscc):
            raise NotFound(f"no record {cmd.record_id} of yours", code="record_not_found")
        lock_enterprise(uow, uscc, actor)
        record = uow.records.get(cmd.record_id, for_update=True)
        assert record is not None
        if uow.repairs.pending_for(record.id) is not None:
            raise Conflict(
                f"a repair application for {record.id} is already pending",
                code="repair_already_pending",
            )
        listed = any(
            listing.status is ListingStatus.LISTED for listing in uow.listings.active_for(uscc)
        )
        later_same_kind = [
            r
            for r in uow.records.in_force(uscc, today)
            if r.record_class == record.record_class
            and r.negative
            and r.decision_date > record.decision_date
        ]
        application = repair.apply_for_repair(
            record,
            commitment=cmd.commitment,
            evidence=cmd.evidence,
            today=today,
            by=actor.actor(),
            listed=listed,
            later_same_kind=later_same_kind,
            rules=policy.rules,
            workdays=policy.workdays,
        )
        uow.repairs.add(application)
        uow.commit()
        return application


def decide_repair(
    uow: CreditWork,
    application_id: str,
    approved: bool,
    reason: str,
    actor: Principal,
    *,
    today: date,
) -> RepairApplication:
    """Approval ends the record's disclosure at once (a withdrawal entry in the feed) and
    removes listings that no longer rest on any record in force."""
    require_regulator(actor)
    with uow:
        uscc = uow.repairs.owner_of(application_id)
        if uscc is None or is_foreign(actor, uscc):
            raise NotFound(f"no repair application {application_id}", code="repair_not_found")
        enterprise = lock_enterprise(uow, uscc, actor)
        application = uow.repairs.get(application_id, for_update=True)
        assert application is not None
        application.decide(approved, reason, today, actor.actor())
        uow.repairs.save(application)
        disclosure_ended, delisted = False, list[str]()
        if approved:
            disclosure_ended, delisted = _repair(uow, enterprise, application, today, actor)
            regrade(uow, enterprise, today, f"repaired:{application.record_id}")
        verdict = "approved" if approved else "rejected"
        uow.notices.add(
            uscc,
            "repair_decided",
            application.id,
            f"Your repair application was {verdict}. {reason}",
        )
        uow.emit(
            RepairDecidedV1(
                application_id=application.id,
                uscc=uscc,
                enterprise_name=enterprise.name,
                record_id=application.record_id,
                approved=approved,
                reason=application.decision_reason or "",
                decided_on=today,
                disclosure_ended=disclosure_ended,
                delisted_listing_ids=delisted,
            ),
            subject=uscc,
        )
        uow.commit()
        return application


def _repair(
    uow: CreditWork,
    enterprise: Enterprise,
    application: RepairApplication,
    today: date,
    actor: Principal,
) -> tuple[bool, list[str]]:
    record = uow.records.get(application.record_id, for_update=True)
    assert record is not None
    ended = record.disclosed
    if ended:
        record.end_disclosure(DisclosureEnd.REPAIRED, today)
        uow.records.save(record)
        uow.disclosures.withdraw("record", record.id, enterprise.uscc, DisclosureEnd.REPAIRED.value)
        uow.changes.record(enterprise.uscc, "record_repaired")
    delisted: list[str] = []
    for listing in uow.listings.active_for(enterprise.uscc, for_update=True):
        if record.id in listing.basis_record_ids and not _rests_on_records_in_force(
            uow, listing, today
        ):
            remove(uow, enterprise, listing, RemovalReason.REPAIRED, today, actor.actor())
            delisted.append(listing.id)
    return ended, delisted


def _rests_on_records_in_force(uow: CreditWork, listing: Listing, today: date) -> bool:
    for record_id in listing.basis_record_ids:
        record = uow.records.get(record_id)
        if record is not None and record.in_force(today):
            return True
    return False
