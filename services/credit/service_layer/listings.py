"""The dishonesty list: proposing a listing, the objection, confirming and removing it."""

from datetime import date
from typing import Any

from services.credit.domain import catalogue, hearing, listing
from services.credit.domain.catalogue import Measure, RemovalReason
from services.credit.domain.listing import Listing, ListingStatus
from services.credit.domain.model import Enterprise
from services.credit.domain.record import CreditRecord
from services.credit.domain.rules import RuleSet, rules_for
from services.credit.service_layer import authority
from services.credit.service_layer.commands import ProposeListing
from services.credit.service_layer.files import (
    is_foreign,
    lock_enterprise,
    regrade,
    require_regulator,
)
from services.credit.service_layer.policy import DEFAULT_POLICY, Actor, Policy
from services.credit.service_layer.ports import CreditWork
from shared.auth import Principal, Role
from shared.contracts.credit import (
    DelistedV1,
    ListedV1,
    ListingProposedV1,
    MeasureAppliedV1,
    MeasureLiftedV1,
    MeasureV1,
)
from shared.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from shared.uscc import validate as validate_uscc

PROVISIONAL_NOTE = (
    " This date is provisional until the official working-day calendar for its year is"
    " published; it may then move later, never earlier."
)


def propose_listing(
    uow: CreditWork,
    cmd: ProposeListing,
    actor: Principal,
    *,
    today: date,
    policy: Policy = DEFAULT_POLICY,
) -> Listing:
    require_regulator(actor)
    uscc = validate_uscc(cmd.uscc, legacy_codes=policy.legacy_codes)
    with uow:
        enterprise = lock_enterprise(uow, uscc, actor)
        chosen = catalogue.measures(cmd.measures, enterprise.category)
        if uow.listings.active_for(uscc):
            raise Conflict(
                f"enterprise {uscc} already has a listing in progress or in force",
                code="listing_already_active",
            )
        proposed = listing.propose_listing(
            rules=policy.rules,
            uscc=uscc,
            reason=cmd.reason,
            legal_basis=cmd.legal_basis,
            basis=_basis(uow, uscc, cmd.basis_record_ids),
            measure_codes=[m.code for m in chosen],
            term_years=cmd.term_years,
            today=today,
            by=actor.actor(),
            objection_window=policy.objection_window,
            workdays=policy.workdays,
        )
        authority.record_proposer(proposed, actor)
        uow.listings.add(proposed)
        _notify_proposal(uow, proposed, policy.rules)
        uow.emit(_proposed(proposed, enterprise), subject=uscc)
        uow.commit()
        return proposed


def _basis(uow: CreditWork, uscc: str, record_ids: list[str]) -> list[CreditRecord]:
    """The records a proposal names, each of them the enterprise's own."""
    basis = []
    for record_id in dict.fromkeys(record_ids):
        found = uow.records.get(record_id)
        if found is None or found.uscc != uscc:
            raise InvalidInput(
                f"no record {record_id} of {uscc}",
                code="basis_record_not_in_force",
                record_id=record_id,
            )
        basis.append(found)
    return basis


def _notify_proposal(uow: CreditWork, proposed: Listing, rules: RuleSet) -> None:
    uow.notices.add(
        proposed.uscc,
        "listing_proposed",
        proposed.id,
        f"Proposed for the list of serious violators: {proposed.reason}. You may file an "
        f"objection with statements and evidence until {proposed.objection_deadline}"
        + (", and ask for a hearing." if rules.hearing.available else ".")
        + PROVISIONAL_NOTE * (proposed.objection_deadline_provenance == "provisional"),
        proposed.legal_basis,
    )


def _proposed(proposed: Listing, enterprise: Enterprise) -> ListingProposedV1:
    return ListingProposedV1(
        listing_id=proposed.id,
        uscc=proposed.uscc,
        enterprise_name=enterprise.name,
        reason=proposed.reason,
        legal_basis=proposed.legal_basis,
        basis_record_ids=proposed.basis_record_ids,
        measures=_measures(proposed),
        term_years=proposed.term_years,
        proposed_on=proposed.proposed_on,
        objection_deadline=proposed.objection_deadline,
    )


def listing_of(uow: CreditWork, listing_id: str, actor: Actor) -> tuple[Enterprise, Listing]:
    """The listing, locked after its enterprise; another enterprise's is reported absent."""
    uscc = uow.listings.owner_of(listing_id)
    if uscc is None or (isinstance(actor, Principal) and is_foreign(actor, uscc)):
        raise NotFound(f"no listing {listing_id}", code="listing_not_found")
    enterprise = lock_enterprise(uow, uscc, actor)
    found = uow.listings.get(listing_id, for_update=True)
    assert found is not None
    return enterprise, found


def listing_to_decide(uow: CreditWork, listing_id: str, actor: Actor) -> tuple[Enterprise, Listing]:
    """The listing (locked) on which ``actor`` takes a due-process decision: the proposing
    authority or a higher one over its region, else Forbidden."""
    enterprise, found = listing_of(uow, listing_id, actor)
    authority.check_decider(found, actor)
    return enterprise, found


def rules_of(found: Listing) -> RuleSet:
    """The procedure follows the rule version the listing was proposed under."""
    return rules_for(found.rule_version)


def file_objection(
    uow: CreditWork,
    listing_id: str,
    statement: str,
    evidence: list[str],
    actor: Principal,
    *,
    today: date,
    hearing_requested: bool = False,
    policy: Policy = DEFAULT_POLICY,
) -> Listing:
    if actor.role is not Role.ENTERPRISE:
        raise Forbidden("only the enterprise concerned may object", code="role_not_allowed")
    with uow:
        _, found = listing_of(uow, listing_id, actor)
        found.file_objection(statement, evidence, today, actor.actor())
        if hearing_requested and found.hearing is None:
            hearing.request(found, today=today, by=actor.actor(), rules=rules_of(found))
        elif found.hearing is not None and found.objection is not None:
            found.objection.hearing_requested = True  # requested before the objection
        uow.listings.save(found)
        uow.commit()
        return found


def decide_objection(
    uow: CreditWork,
    listing_id: str,
    upheld: bool,
    reason: str,
    actor: Principal,
    *,
    today: date,
) -> Listing:
    require_regulator(actor)
    with uow:
        enterprise, found = listing_to_decide(uow, listing_id, actor)
        if upheld:  # what the enterprise asked for: no hearing needed
            hearing.close_moot(found, today)
        else:
            hearing.require_concluded(found, rules_of(found))
        found.decide_objection(upheld, reason, today, actor.actor())
        uow.listings.save(found)
        outcome = "upheld: the proposal is withdrawn" if upheld else "rejected"
        uow.notices.add(
            enterprise.uscc,
            "objection_decided",
            found.id,
            f"Your objection was {outcome}. {reason}",
        )
        if upheld:
            announce_removal(uow, enterprise, found, ListingStatus.OBJECTION_FILED, today)
        uow.commit()
        return found


def confirm_listing(uow: CreditWork, listing_id: str, actor: Principal, *, today: date) -> Listing:
    require_regulator(actor)
    with uow:
        enterprise, found = listing_to_decide(uow, listing_id, actor)
        hearing.require_concluded(found, rules_of(found))
        found.confirm(today, actor.actor())
        uow.listings.save(found)
        uow.disclosures.publish("listing", found.id, enterprise.uscc)
        uow.changes.record(enterprise.uscc, "listed")
        until = f"until {found.term_end}" if found.term_end else "indefinitely"
        uow.notices.add(
            enterprise.uscc,
            "listed",
            found.id,
            f"Listed from {found.listed_on} {until}: {found.reason}",
            found.legal_basis,
        )
        _announce_listing(uow, enterprise, found)
        regrade(uow, enterprise, today, f"listed:{found.id}")
        uow.commit()
        return found


def _announce_listing(uow: CreditWork, enterprise: Enterprise, found: Listing) -> None:
    """``ListedV1`` and one ``MeasureAppliedV1`` per measure, for the enforcing services."""
    measures = _measures(found)
    assert found.listed_on is not None
    uow.emit(
        ListedV1(
            listing_id=found.id,
            uscc=enterprise.uscc,
            enterprise_name=enterprise.name,
            category=enterprise.category.value,
            reason=found.reason,
            legal_basis=found.legal_basis,
            term_start=found.listed_on,
            term_end=found.term_end,
            measures=measures,
        ),
        subject=enterprise.uscc,
    )
    for measure in measures:
        uow.emit(
            MeasureAppliedV1(
                **_measure_fields(found, enterprise, measure),
                term_start=found.listed_on,
                term_end=found.term_end,
            ),
            subject=enterprise.uscc,
        )


def remove_listing(
    uow: CreditWork,
    listing_id: str,
    reason: RemovalReason,
    actor: Actor,
    *,
    today: date,
    note: str = "",
) -> Listing:
    """Regulators remove a listing whose basis was annulled; the term-end job and repair
    approvals remove listings through ``remove``."""
    require_regulator(actor)
    with uow:
        enterprise, found = listing_to_decide(uow, listing_id, actor)
        remove(uow, enterprise, found, reason, today, actor.actor(), note)
        regrade(uow, enterprise, today, f"delisted:{found.id}")
        uow.commit()
        return found


def remove(
    uow: CreditWork,
    enterprise: Enterprise,
    found: Listing,
    reason: RemovalReason,
    today: date,
    by: str,
    note: str = "",
) -> None:
    """End a listing inside the caller's transaction: notice, disclosure, events."""
    old = found.remove(reason, today, by)
    uow.listings.save(found)
    message = f"Listing {found.id} ended ({reason.value}). {note}".strip()
    uow.notices.add(enterprise.uscc, "delisted", found.id, message)
    announce_removal(uow, enterprise, found, old, today)


def announce_removal(
    uow: CreditWork,
    enterprise: Enterprise,
    found: Listing,
    old: ListingStatus,
    today: date,
) -> None:
    assert found.removal_reason is not None
    lifted = _measures(found) if old is ListingStatus.LISTED else []
    if old is ListingStatus.LISTED:
        uow.disclosures.withdraw("listing", found.id, enterprise.uscc, found.removal_reason.value)
        uow.changes.record(enterprise.uscc, "delisted")
    uow.emit(
        DelistedV1(
            listing_id=found.id,
            uscc=enterprise.uscc,
            enterprise_name=enterprise.name,
            from_status=old.value,
            removal_reason=found.removal_reason.value,
            removed_on=today,
            measures=lifted,
        ),
        subject=enterprise.uscc,
    )
    for measure in lifted:
        uow.emit(
            MeasureLiftedV1(
                **_measure_fields(found, enterprise, measure),
                lifted_on=today,
                removal_reason=found.removal_reason.value,
            ),
            subject=enterprise.uscc,
        )


def measure_v1(measure: Measure) -> MeasureV1:
    return MeasureV1(
        code=measure.code,
        name=measure.name,
        name_zh=measure.name_zh,
        legal_basis=measure.legal_basis,
        enforcing_service=measure.enforcing_service,
    )


def _measures(found: Listing) -> list[MeasureV1]:
    return [measure_v1(catalogue.MEASURES[code]) for code in found.measure_codes]


def _measure_fields(found: Listing, enterprise: Enterprise, measure: MeasureV1) -> dict[str, Any]:
    return {
        "listing_id": found.id,
        "uscc": enterprise.uscc,
        "enterprise_name": enterprise.name,
        "category": enterprise.category.value,
        "measure": measure,
        "measure_code": measure.code,
        "measure_name": measure.name,
        "legal_basis": measure.legal_basis,
        "enforcing_service": measure.enforcing_service,
    }
