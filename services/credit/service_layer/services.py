"""Credit use cases. Each is one transaction: ``with uow: ... uow.commit()``.

Locking: every use case that changes an enterprise's file locks the enterprise row first and
only then loads and changes its records, listings or repair applications, so concurrent use
cases on one enterprise serialise and never deadlock on PostgreSQL.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError

from services.credit.domain import catalogue, hearing, model
from services.credit.domain.catalogue import Category, Measure, RemovalReason
from services.credit.domain.grading import CURRENT_RULES, assess
from services.credit.domain.model import (
    CreditRecord,
    DisclosureEnd,
    Enterprise,
    Listing,
    ListingStatus,
    RepairApplication,
)
from services.credit.domain.periods import Period, Unit
from services.credit.domain.rules import DEFAULT_RULES, RuleSet, rules_for
from services.credit.service_layer import authority
from services.credit.service_layer.commands import (
    AddRecord,
    ApplyForRepair,
    ProposeListing,
    RegisterEnterprise,
)
from services.credit.service_layer.ports import CreditWork
from shared.auth import Principal, Role
from shared.clock import utcnow
from shared.contracts.credit import (
    CreditRecordAddedV1,
    DelistedV1,
    ListedV1,
    ListingProposedV1,
    MeasureAppliedV1,
    MeasureLiftedV1,
    MeasureV1,
    RepairDecidedV1,
    RiskGradeChangedV1,
)
from shared.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from shared.uscc import region_of
from shared.uscc import validate as validate_uscc
from shared.workdays import DEFAULT_CALENDAR, WorkdayCalendar


@dataclass(frozen=True)
class Policy:
    """Configuration the use cases depend on (from settings in production, pinned in tests)."""

    workdays: WorkdayCalendar = DEFAULT_CALENDAR
    objection_window: Period = Period(15, Unit.DAYS)
    # None: the legacy USCCs configured for every service (shared.uscc.configured_legacy_codes).
    legacy_codes: frozenset[str] | None = None
    rules: RuleSet = DEFAULT_RULES  # the legal rule set in force (CREDIT_RULE_VERSION)


@dataclass(frozen=True)
class SystemActor:
    """A trusted in-process caller such as a consumer of another service's events."""

    name: str

    def actor(self) -> str:
        return f"system:{self.name}"


Actor = Principal | SystemActor
DEFAULT_POLICY = Policy()


# -- helpers ------------------------------------------------------------------------------------
def _enterprise(uow: CreditWork, uscc: str, actor: Actor | None) -> Enterprise:
    """Lock the enterprise (the aggregate lock) and check the regulator's jurisdiction."""
    enterprise = uow.enterprises.get(uscc, for_update=True)
    if enterprise is None:
        raise NotFound(f"no enterprise {uscc}", code="enterprise_not_found")
    _check_jurisdiction(actor, enterprise)
    return enterprise


def _require_regulator(actor: Actor) -> None:
    """Managing records and lists is for regulators (or trusted system callers)."""
    if isinstance(actor, Principal) and not actor.is_regulator:
        raise Forbidden("only regulators may do this", code="role_not_allowed")


def _check_jurisdiction(actor: Actor | None, enterprise: Enterprise) -> None:
    regulator = isinstance(actor, Principal) and actor.is_regulator
    if regulator and not actor.covers_region(enterprise.region_code):  # type: ignore[union-attr]
        raise Forbidden(
            f"enterprise {enterprise.uscc} is outside your jurisdiction",
            code="outside_jurisdiction",
        )


def _regrade(uow: CreditWork, enterprise: Enterprise, today: date, trigger: str) -> None:
    records = uow.records.in_force(enterprise.uscc, today)
    listed = any(
        listing.status is ListingStatus.LISTED
        for listing in uow.listings.active_for(enterprise.uscc)
    )
    assessment = assess((r.severity for r in records), listed)
    change = enterprise.regrade(assessment, trigger=trigger, at=utcnow())
    uow.enterprises.save(enterprise)
    if change is None:
        return
    uow.enterprises.record_grade_change(change)
    uow.changes.record(enterprise.uscc, "grade_changed")
    uow.emit(
        RiskGradeChangedV1(
            uscc=enterprise.uscc,
            enterprise_name=enterprise.name,
            from_grade=change.from_grade.value if change.from_grade else None,
            to_grade=change.to_grade.value,
            score=change.score,
            rule_version=change.rule_version,
            reasons=list(change.reasons),
            trigger=trigger,
        ),
        subject=enterprise.uscc,
    )


def measure_v1(m: Measure) -> MeasureV1:
    return MeasureV1(
        code=m.code,
        name=m.name,
        name_zh=m.name_zh,
        legal_basis=m.legal_basis,
        enforcing_service=m.enforcing_service,
    )


def _measures(listing: Listing) -> list[MeasureV1]:
    return [measure_v1(catalogue.MEASURES[c]) for c in listing.measure_codes]


def _new_enterprise(uscc: str, name: str, category: str, region_code: str | None) -> Enterprise:
    try:
        cat = Category(category)
    except ValueError:
        raise InvalidInput(
            f"unknown category {category!r}",
            code="unknown_category",
            allowed=[c.value for c in Category],
        ) from None
    region = region_code or region_of(uscc)
    if not (len(region) == 6 and region.isdigit()):
        raise InvalidInput("give the 6-digit region code", code="region_code_required")
    return Enterprise(
        uscc=uscc,
        name=model.required(name, "the name", "name_required"),
        region_code=region,
        category=cat,
    )


# -- enterprises --------------------------------------------------------------------------------
def register_enterprise(
    uow: CreditWork,
    cmd: RegisterEnterprise,
    actor: Principal,
    policy: Policy = DEFAULT_POLICY,
) -> Enterprise:
    _require_regulator(actor)
    uscc = validate_uscc(cmd.uscc, legacy_codes=policy.legacy_codes)
    enterprise = _new_enterprise(uscc, cmd.name, cmd.category, cmd.region_code)
    enterprise.operator_name = (cmd.operator_name or "").strip() or None
    enterprise.operator_id_number = (cmd.operator_id_number or "").strip() or None
    _check_jurisdiction(actor, enterprise)
    authority.check_registration_region(actor, uscc, cmd.region_code)
    with uow:
        if uow.enterprises.get(uscc) is not None:
            raise Conflict(f"enterprise {uscc} is already registered", code="duplicate_enterprise")
        uow.enterprises.add(enterprise)
        uow.changes.record(uscc, "registered")
        uow.commit()
    return enterprise


# -- credit records -----------------------------------------------------------------------------
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
    _require_regulator(actor)
    uscc = validate_uscc(cmd.uscc, legacy_codes=policy.legacy_codes)
    try:
        return _add_record(uow, cmd, uscc, actor, today, policy)
    except IntegrityError:
        # A concurrent delivery of the same source event won the race: its record stands.
        if cmd.source_event_id is None:
            raise
        with uow:
            existing = uow.records.by_source_event(cmd.source_event_id)
        if existing is None:
            raise
        return existing


def _add_record(
    uow: CreditWork, cmd: AddRecord, uscc: str, actor: Actor, today: date, policy: Policy
) -> CreditRecord:
    with uow:
        if cmd.source_event_id:
            existing = uow.records.by_source_event(cmd.source_event_id)
            if existing is not None:
                return existing
        enterprise = uow.enterprises.get(uscc, for_update=True)
        if enterprise is None:
            if not cmd.enterprise_name:
                raise NotFound(f"no enterprise {uscc}", code="enterprise_not_found")
            enterprise = _new_enterprise(uscc, cmd.enterprise_name, cmd.enterprise_category, None)
            _check_jurisdiction(actor, enterprise)
            uow.enterprises.add(enterprise)
            uow.changes.record(uscc, "registered")
        else:
            _check_jurisdiction(actor, enterprise)
        if not cmd.source_event_id:
            authority.check_natural_key(uow, cmd.source_department, cmd.decision_number, uscc)
        record = model.new_record(
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
        uow.records.add(record)
        _repair_notice(uow, record, policy.rules)
        if record.disclosed:
            uow.disclosures.publish("record", record.id, uscc)
            uow.changes.record(uscc, "record_added")
        rc = catalogue.RECORD_CLASSES[record.record_class]
        uow.emit(
            CreditRecordAddedV1(
                record_id=record.id,
                uscc=uscc,
                enterprise_name=enterprise.name,
                record_class=record.record_class,
                kind=rc.kind.value,
                severity=record.severity.value,
                sector=record.sector,
                title=record.title,
                legal_basis=record.legal_basis,
                decision_number=record.decision_number,
                decision_date=record.decision_date,
                source_service=record.source_service,
                source_department=record.source_department,
                source_event_id=record.source_event_id,
                publication_until=record.publication_until,
                disclosed=record.disclosed,
            ),
            subject=uscc,
        )
        _regrade(uow, enterprise, today, f"record_added:{record.id}")  # cause before effect
        uow.commit()
        return record


# -- the dishonesty list ------------------------------------------------------------------------
def propose_listing(
    uow: CreditWork,
    cmd: ProposeListing,
    actor: Principal,
    *,
    today: date,
    policy: Policy = DEFAULT_POLICY,
) -> Listing:
    _require_regulator(actor)
    uscc = validate_uscc(cmd.uscc, legacy_codes=policy.legacy_codes)
    with uow:
        enterprise = _enterprise(uow, uscc, actor)
        chosen = catalogue.measures(cmd.measures, enterprise.category)
        if uow.listings.active_for(uscc):
            raise Conflict(
                f"enterprise {uscc} already has a listing in progress or in force",
                code="listing_already_active",
            )
        basis = []
        for record_id in dict.fromkeys(cmd.basis_record_ids):
            record = uow.records.get(record_id)
            if record is None or record.uscc != uscc:
                raise InvalidInput(
                    f"no record {record_id} of {uscc}",
                    code="basis_record_not_in_force",
                    record_id=record_id,
                )
            basis.append(record)
        listing = model.propose_listing(
            rules=policy.rules,
            uscc=uscc,
            reason=cmd.reason,
            legal_basis=cmd.legal_basis,
            basis=basis,
            measure_codes=[m.code for m in chosen],
            term_years=cmd.term_years,
            today=today,
            by=actor.actor(),
            objection_window=policy.objection_window,
            workdays=policy.workdays,
        )
        authority.record_proposer(listing, actor)
        uow.listings.add(listing)
        uow.notices.add(
            uscc,
            "listing_proposed",
            listing.id,
            f"Proposed for the list of serious violators: {listing.reason}. You may file an "
            f"objection with statements and evidence until {listing.objection_deadline}"
            + (", and ask for a hearing." if policy.rules.hearing.available else ".")
            + PROVISIONAL_NOTE * (listing.objection_deadline_provenance == "provisional"),
            listing.legal_basis,
        )
        uow.emit(
            ListingProposedV1(
                listing_id=listing.id,
                uscc=uscc,
                enterprise_name=enterprise.name,
                reason=listing.reason,
                legal_basis=listing.legal_basis,
                basis_record_ids=listing.basis_record_ids,
                measures=_measures(listing),
                term_years=listing.term_years,
                proposed_on=listing.proposed_on,
                objection_deadline=listing.objection_deadline,
            ),
            subject=uscc,
        )
        uow.commit()
        return listing


PROVISIONAL_NOTE = (
    " This date is provisional until the official working-day calendar for its year is"
    " published; it may then move later, never earlier."
)


def _repair_notice(uow: CreditWork, record: CreditRecord, rules: RuleSet) -> None:
    """两书同达: the repair notice goes out with the penalty record."""
    rc = catalogue.RECORD_CLASSES[record.record_class]
    if not (rc.repairable and record.disclosed):
        return
    earliest = record.earliest_repair_application(rules)
    uow.notices.add(
        record.uscc,
        "repair_notice",
        record.id,
        f"Credit repair of record {record.id} ({record.title}) may be applied for from "
        f"{earliest} (sector {record.sector}): correct the violation, fulfil the decision's "
        f"obligations and file a written commitment with evidence. Repair is not open while "
        f"listed on the list of serious violators.",
        rules.repair.source.cite(),
    )


def _listing(uow: CreditWork, listing_id: str, actor: Actor) -> tuple[Enterprise, Listing]:
    uscc = uow.listings.owner_of(listing_id)
    if uscc is None or (isinstance(actor, Principal) and _foreign(actor, uscc)):
        raise NotFound(f"no listing {listing_id}", code="listing_not_found")
    enterprise = _enterprise(uow, uscc, actor)
    listing = uow.listings.get(listing_id, for_update=True)
    assert listing is not None
    return enterprise, listing


def _listing_to_decide(
    uow: CreditWork, listing_id: str, actor: Actor
) -> tuple[Enterprise, Listing]:
    """The listing (locked) on which ``actor`` takes a due-process decision: the proposing
    authority or a higher one over its region, else Forbidden."""
    enterprise, listing = _listing(uow, listing_id, actor)
    authority.check_decider(listing, actor)
    return enterprise, listing


def _rules_of(listing: Listing) -> RuleSet:
    """The procedure follows the rule version the listing was proposed under."""
    return rules_for(listing.rule_version)


def _foreign(actor: Principal, uscc: str) -> bool:
    """An enterprise asking about another's file: reported as absent, not forbidden."""
    return actor.role is Role.ENTERPRISE and actor.uscc != uscc


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
        _, listing = _listing(uow, listing_id, actor)
        listing.file_objection(statement, evidence, today, actor.actor())
        if hearing_requested and listing.hearing is None:
            hearing.request(listing, today=today, by=actor.actor(), rules=_rules_of(listing))
        elif listing.hearing is not None and listing.objection is not None:
            listing.objection.hearing_requested = True  # requested before the objection
        uow.listings.save(listing)
        uow.commit()
        return listing


def decide_objection(
    uow: CreditWork,
    listing_id: str,
    upheld: bool,
    reason: str,
    actor: Principal,
    *,
    today: date,
) -> Listing:
    _require_regulator(actor)
    with uow:
        enterprise, listing = _listing_to_decide(uow, listing_id, actor)
        if upheld:  # what the enterprise asked for: no hearing needed
            hearing.close_moot(listing, today)
        else:
            hearing.require_concluded(listing, _rules_of(listing))
        listing.decide_objection(upheld, reason, today, actor.actor())
        uow.listings.save(listing)
        outcome = "upheld: the proposal is withdrawn" if upheld else "rejected"
        uow.notices.add(
            enterprise.uscc,
            "objection_decided",
            listing.id,
            f"Your objection was {outcome}. {reason}",
        )
        if upheld:
            _announce_removal(uow, enterprise, listing, ListingStatus.OBJECTION_FILED, today)
        uow.commit()
        return listing


def confirm_listing(uow: CreditWork, listing_id: str, actor: Principal, *, today: date) -> Listing:
    _require_regulator(actor)
    with uow:
        enterprise, listing = _listing_to_decide(uow, listing_id, actor)
        hearing.require_concluded(listing, _rules_of(listing))
        listing.confirm(today, actor.actor())
        uow.listings.save(listing)
        uow.disclosures.publish("listing", listing.id, enterprise.uscc)
        uow.changes.record(enterprise.uscc, "listed")
        until = f"until {listing.term_end}" if listing.term_end else "indefinitely"
        uow.notices.add(
            enterprise.uscc,
            "listed",
            listing.id,
            f"Listed from {listing.listed_on} {until}: {listing.reason}",
            listing.legal_basis,
        )
        measures = _measures(listing)
        assert listing.listed_on is not None
        uow.emit(
            ListedV1(
                listing_id=listing.id,
                uscc=enterprise.uscc,
                enterprise_name=enterprise.name,
                category=enterprise.category.value,
                reason=listing.reason,
                legal_basis=listing.legal_basis,
                term_start=listing.listed_on,
                term_end=listing.term_end,
                measures=measures,
            ),
            subject=enterprise.uscc,
        )
        for m in measures:
            uow.emit(
                MeasureAppliedV1(
                    **_measure_fields(listing, enterprise, m),
                    term_start=listing.listed_on,
                    term_end=listing.term_end,
                ),
                subject=enterprise.uscc,
            )
        _regrade(uow, enterprise, today, f"listed:{listing.id}")
        uow.commit()
        return listing


def _measure_fields(listing: Listing, enterprise: Enterprise, m: MeasureV1) -> dict:
    return {
        "listing_id": listing.id,
        "uscc": enterprise.uscc,
        "enterprise_name": enterprise.name,
        "category": enterprise.category.value,
        "measure": m,
        "measure_code": m.code,
        "measure_name": m.name,
        "legal_basis": m.legal_basis,
        "enforcing_service": m.enforcing_service,
    }


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
    approvals remove listings through ``_remove``."""
    _require_regulator(actor)
    with uow:
        enterprise, listing = _listing_to_decide(uow, listing_id, actor)
        _remove(uow, enterprise, listing, reason, today, actor.actor(), note)
        _regrade(uow, enterprise, today, f"delisted:{listing.id}")
        uow.commit()
        return listing


def _remove(
    uow: CreditWork,
    enterprise: Enterprise,
    listing: Listing,
    reason: RemovalReason,
    today: date,
    by: str,
    note: str = "",
) -> None:
    old = listing.remove(reason, today, by)
    uow.listings.save(listing)
    message = f"Listing {listing.id} ended ({reason.value}). {note}".strip()
    uow.notices.add(enterprise.uscc, "delisted", listing.id, message)
    _announce_removal(uow, enterprise, listing, old, today)


def _announce_removal(
    uow: CreditWork,
    enterprise: Enterprise,
    listing: Listing,
    old: ListingStatus,
    today: date,
) -> None:
    assert listing.removal_reason is not None
    lifted = _measures(listing) if old is ListingStatus.LISTED else []
    if old is ListingStatus.LISTED:
        uow.disclosures.withdraw(
            "listing", listing.id, enterprise.uscc, listing.removal_reason.value
        )
        uow.changes.record(enterprise.uscc, "delisted")
    uow.emit(
        DelistedV1(
            listing_id=listing.id,
            uscc=enterprise.uscc,
            enterprise_name=enterprise.name,
            from_status=old.value,
            removal_reason=listing.removal_reason.value,
            removed_on=today,
            measures=lifted,
        ),
        subject=enterprise.uscc,
    )
    for m in lifted:
        uow.emit(
            MeasureLiftedV1(
                **_measure_fields(listing, enterprise, m),
                lifted_on=today,
                removal_reason=listing.removal_reason.value,
            ),
            subject=enterprise.uscc,
        )


# -- credit repair ------------------------------------------------------------------------------
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
        if uscc is None or _foreign(actor, uscc):
            raise NotFound(f"no record {cmd.record_id} of yours", code="record_not_found")
        _enterprise(uow, uscc, actor)
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
        application = model.apply_for_repair(
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
    _require_regulator(actor)
    with uow:
        uscc = uow.repairs.owner_of(application_id)
        if uscc is None or _foreign(actor, uscc):
            raise NotFound(f"no repair application {application_id}", code="repair_not_found")
        enterprise = _enterprise(uow, uscc, actor)
        application = uow.repairs.get(application_id, for_update=True)
        assert application is not None
        application.decide(approved, reason, today, actor.actor())
        uow.repairs.save(application)
        disclosure_ended, delisted = False, list[str]()
        if approved:
            disclosure_ended, delisted = _repair(uow, enterprise, application, today, actor)
            _regrade(uow, enterprise, today, f"repaired:{application.record_id}")
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
            _remove(uow, enterprise, listing, RemovalReason.REPAIRED, today, actor.actor())
            delisted.append(listing.id)
    return ended, delisted


def _rests_on_records_in_force(uow: CreditWork, listing: Listing, today: date) -> bool:
    for record_id in listing.basis_record_ids:
        record = uow.records.get(record_id)
        if record is not None and record.in_force(today):
            return True
    return False


# -- scheduled jobs -----------------------------------------------------------------------------
JOB = SystemActor("credit-scheduler")


def end_publication_periods(uow: CreditWork, today: date, batch_size: int = 500) -> int:
    """Withdraw records whose publication period is over; one batch per transaction."""
    with uow:
        due = uow.records.due_to_end(today, batch_size)
        for uscc, record_ids in _by_enterprise(due):
            enterprise = _enterprise(uow, uscc, None)
            for record_id in record_ids:
                record = uow.records.get(record_id, for_update=True)
                if record is None or not record.disclosed or record.in_force(today):
                    continue
                record.end_disclosure(DisclosureEnd.PERIOD_ENDED, today)
                uow.records.save(record)
                uow.disclosures.withdraw("record", record.id, uscc, "period_ended")
                uow.changes.record(uscc, "publication_ended")
            _regrade(uow, enterprise, today, "publication_period_ended")
        uow.commit()
        return len(due)


def end_listing_terms(uow: CreditWork, today: date, batch_size: int = 200) -> int:
    with uow:
        due = uow.listings.due_to_end(today, batch_size)
        for uscc, listing_ids in _by_enterprise(due):
            enterprise = _enterprise(uow, uscc, None)
            for listing_id in listing_ids:
                listing = uow.listings.get(listing_id, for_update=True)
                if listing is None or not listing.term_over(today):
                    continue
                _remove(uow, enterprise, listing, RemovalReason.TERM_ENDED, today, JOB.actor())
            _regrade(uow, enterprise, today, "listing_term_ended")
        uow.commit()
        return len(due)


def regrade_stale(uow: CreditWork, today: date, batch_size: int = 500) -> int:
    """After a new rule table is deployed, regrade everyone graded under an older one."""
    with uow:
        usccs = uow.enterprises.graded_under_other_rules(CURRENT_RULES.version, batch_size)
        for uscc in usccs:
            _regrade(uow, _enterprise(uow, uscc, None), today, "rule_table_changed")
        uow.commit()
        return len(usccs)


def _by_enterprise(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """(id, uscc) pairs grouped by enterprise, enterprises in a fixed order (lock order)."""
    grouped: dict[str, list[str]] = {}
    for item_id, uscc in pairs:
        grouped.setdefault(uscc, []).append(item_id)
    return sorted(grouped.items())
