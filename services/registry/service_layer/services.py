"""Registry use cases. Each is one transaction: ``with uow: ... uow.commit()``."""

from dataclasses import dataclass, replace
from datetime import date

from services.registry.domain import model
from services.registry.domain.lifecycle_rules import (
    DEFAULT_RULES,
    LifecycleRules,
    refuse_restore_after_limit,
)
from services.registry.domain.model import (
    AccreditationStatus,
    Certificate,
    CertificationBody,
    Transition,
)
from services.registry.domain.numbers import canonical_number
from services.registry.domain.reasons import REVOKED_FOR_CAUSE, Action
from services.registry.domain.sanctions import (
    BARRING_MEASURE,
    LIFETIME_BAN,
    HolderSanction,
    barred_by_another_listing,
    barring,
)
from services.registry.domain.schemes import CATALOGUE
from services.registry.service_layer.commands import IssueCertificate, RegisterBody
from services.registry.service_layer.labs import ban_lab_of
from services.registry.service_layer.personnel import check_signer
from services.registry.service_layer.unit_of_work import RegistryUnitOfWork
from shared.auth import Principal, Role
from shared.clock import today_in_china, utcnow
from shared.contracts.registry import (
    STATUS_EVENTS,
    BodyAccreditationChangedV1,
    CertificateIssuedV1,
)
from shared.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from shared.uscc import region_of
from shared.uscc import validate as validate_uscc

# Actions a regulator may take on any certificate in its jurisdiction (supervisory powers);
# everything else is the issuing body's alone.
REGULATOR_ACTIONS = frozenset({Action.SUSPEND, Action.REVOKE})


def register_body(uow: RegistryUnitOfWork, cmd: RegisterBody, actor: Principal) -> None:
    unknown = sorted(set(cmd.approved_schemes) - set(CATALOGUE))
    if unknown:
        raise InvalidInput(f"unknown schemes {unknown}", code="unknown_scheme")
    body_uscc = validate_uscc(cmd.uscc)
    with uow:
        if uow.bodies.get(cmd.id) is not None:
            raise Conflict(f"certification body {cmd.id} already exists", code="duplicate_body")
        if uow.bodies.id_by_uscc(body_uscc) is not None:
            raise Conflict(
                f"a body with USCC {body_uscc} is already registered", code="duplicate_body"
            )
        body = CertificationBody(
            id=cmd.id,
            name=cmd.name,
            uscc=body_uscc,
            region_code=cmd.region_code,
            approved_schemes=sorted(set(cmd.approved_schemes)),
            accreditation_reason_code="initial_approval",
            accreditation_changed_at=utcnow(),
        )
        uow.bodies.add(body)
        uow.bodies.record_accreditation(body.id, None, body, "", actor.actor())
        uow.changes.record("body", body.id, "registered", body.accreditation_status.value)
        uow.emit(_accreditation_event(body, None, ""), subject=body.id)
        uow.commit()


def change_accreditation(
    uow: RegistryUnitOfWork,
    body_id: str,
    status: AccreditationStatus,
    reason_code: str,
    reason: str,
    actor: Principal,
) -> CertificationBody:
    with uow:
        body = uow.bodies.get(body_id, for_update=True)
        if body is None:
            raise NotFound(f"no certification body {body_id}", code="body_not_found")
        old = body.change_accreditation(status, reason_code, utcnow())
        uow.bodies.save(body)
        uow.bodies.record_accreditation(body.id, old, body, reason, actor.actor())
        uow.changes.record("body", body.id, "accreditation_changed", status.value)
        uow.emit(_accreditation_event(body, old, reason), subject=body.id)
        uow.commit()
        return body


def _accreditation_event(
    body: CertificationBody, old: AccreditationStatus | None, reason: str
) -> BodyAccreditationChangedV1:
    return BodyAccreditationChangedV1(
        body_id=body.id,
        body_name=body.name,
        region_code=body.region_code,
        body_uscc=body.uscc,
        from_status=old.value if old else None,
        to_status=body.accreditation_status.value,
        reason_code=body.accreditation_reason_code or "",
        reason=reason,
    )


def issue_certificate(
    uow: RegistryUnitOfWork, cmd: IssueCertificate, actor: Principal, *, replaces: str | None = None
) -> Certificate:
    if actor.role is not Role.CERTIFICATION_BODY or not actor.body_id:
        raise Forbidden("only a certification body issues certificates", code="role_not_allowed")
    holder_uscc = validate_uscc(cmd.holder_uscc)
    with uow:
        cmd = replace(cmd, holder_uscc=holder_uscc, number=canonical_number(cmd.number))
        cert = _issue(uow, cmd, actor, replaces)
        uow.commit()
        return cert


def _issue(
    uow: RegistryUnitOfWork, cmd: IssueCertificate, actor: Principal, replaces: str | None
) -> Certificate:
    body = uow.bodies.get(actor.body_id or "", for_update=True)
    if body is None:
        raise Forbidden(
            f"certification body {actor.body_id} is not registered", code="body_not_registered"
        )
    cert = Certificate(
        number=cmd.number,
        scheme=cmd.scheme,
        scope=cmd.scope,
        holder_uscc=cmd.holder_uscc,
        holder_name=cmd.holder_name,
        body_id=body.id,
        issue_date=cmd.issue_date,
        expiry_date=cmd.expiry_date,
        signer_name=cmd.signer_name,
        product_name=cmd.product_name,
        product_model=cmd.product_model,
        signer_position=cmd.signer_position,
        signer_registration_no=cmd.signer_registration_no,
        replaces_number=replaces,
    )
    _refuse_barred_holder(uow, cert.holder_uscc)
    if uow.certificates.exists(cert.number):
        raise Conflict(
            f"certificate number {cert.number} is already taken",
            code="duplicate_certificate_number",
        )
    check_signer(uow.session, body.id, cmd.signer_registration_no, cmd.signer_name)
    model.issue(cert, body, actor=actor.actor(), at=utcnow())
    uow.certificates.add(cert)
    uow.changes.record("certificate", cert.number, "issued", cert.status.value)
    scheme = CATALOGUE[cert.scheme]
    uow.emit(
        CertificateIssuedV1(
            number=cert.number,
            scheme=cert.scheme,
            compulsory=scheme.compulsory,
            product_name=cert.product_name,
            product_model=cert.product_model,
            holder_uscc=cert.holder_uscc,
            holder_name=cert.holder_name,
            body_id=cert.body_id,
            issue_date=cert.issue_date,
            expiry_date=cert.expiry_date,
            replaces_number=replaces,
        ),
        subject=cert.number,
    )
    return cert


def _refuse_barred_holder(uow: RegistryUnitOfWork, uscc: str) -> None:
    """Joint punishment: a holder on the dishonesty list gets no new certificates."""
    sanction = barring(uow.sanctions.active_for(uscc))
    if sanction is not None:
        raise Conflict(
            f"enterprise {uscc} is on the dishonesty list and barred from new certificates",
            code="holder_barred",
            listing_id=sanction.listing_id,
            measure=sanction.measure_code,
            legal_basis=sanction.legal_basis,
        )


def change_status(
    uow: RegistryUnitOfWork,
    number: str,
    action: Action,
    reason_code: str,
    reason: str,
    actor: Principal,
    rules: LifecycleRules = DEFAULT_RULES,
) -> Certificate:
    if action in (Action.ISSUE, Action.REPLACE):
        raise InvalidInput(f"{action.value} is not a status change", code="invalid_action")
    with uow:
        cert = _load_for_change(uow, number, action, actor)
        if action is Action.RESTORE:
            refuse_restore_after_limit(cert, rules, today_in_china())
        transition = cert.apply(
            action, reason_code=reason_code, reason=reason, actor=actor.actor(), at=utcnow()
        )
        _save_transition(uow, cert, transition)
        uow.commit()
        return cert


def renew_certificate(
    uow: RegistryUnitOfWork,
    old_number: str,
    cmd: IssueCertificate,
    reason_code: str,
    actor: Principal,
) -> Certificate:
    """Issue a successor and mark the old certificate replaced, in one transaction."""
    holder_uscc = validate_uscc(cmd.holder_uscc)
    with uow:
        old = _load_for_change(uow, old_number, Action.REPLACE, actor)
        if holder_uscc != old.holder_uscc or cmd.scheme != old.scheme:
            raise InvalidInput(
                "a renewal keeps the holder and the scheme; issue a new certificate instead",
                code="renewal_mismatch",
            )
        transition = old.apply(
            Action.REPLACE,
            reason_code=reason_code,
            reason=f"replaced by {cmd.number}",
            actor=actor.actor(),
            at=utcnow(),
        )
        old.replaced_by_number = cmd.number
        new = _issue(uow, replace(cmd, holder_uscc=holder_uscc), actor, old.number)
        _save_transition(uow, old, transition)
        uow.commit()
        return new


def _load_for_change(
    uow: RegistryUnitOfWork, number: str, action: Action, actor: Principal
) -> Certificate:
    cert = uow.certificates.get(number, for_update=True)
    if actor.role is Role.REGULATOR and cert is not None:
        if action not in REGULATOR_ACTIONS:
            raise Forbidden(
                f"a regulator may not {action.value} certificates", code="action_not_allowed"
            )
        if not actor.covers_region(region_of(cert.holder_uscc)):
            raise Forbidden(
                f"certificate {number} is outside your jurisdiction", code="outside_jurisdiction"
            )
        return cert
    if cert is None or actor.role is not Role.CERTIFICATION_BODY or actor.body_id != cert.body_id:
        # Another body's certificate is reported as absent, not as forbidden: bodies must not
        # learn about each other's portfolios by probing numbers.
        raise NotFound(f"no certificate {number} of yours", code="certificate_not_found")
    return cert


def _save_transition(uow: RegistryUnitOfWork, cert: Certificate, t: Transition) -> None:
    uow.certificates.save(cert)
    uow.changes.record("certificate", cert.number, t.action.value, cert.status.value)
    event = STATUS_EVENTS[t.action.value](
        number=cert.number,
        scheme=cert.scheme,
        holder_uscc=cert.holder_uscc,
        holder_name=cert.holder_name,
        body_id=cert.body_id,
        product_name=cert.product_name,
        product_model=cert.product_model,
        from_status=t.from_status.value if t.from_status else "",
        to_status=t.to_status.value,
        reason_code=t.reason_code,
        reason=t.reason,
        for_cause=t.action is Action.REVOKE and t.reason_code in REVOKED_FOR_CAUSE,
        replaced_by_number=cert.replaced_by_number,
    )
    uow.emit(event, subject=cert.number)


def expire_due(uow: RegistryUnitOfWork, today: date, batch_size: int = 500) -> int:
    """The scheduled job: expire certificates past their date, one batch per transaction."""
    with uow:
        numbers = uow.certificates.numbers_due_to_expire(today, batch_size)
        for number in numbers:
            cert = uow.certificates.get(number, for_update=True)
            if cert is None or cert.effective_status(today) is not model.CertificateStatus.EXPIRED:
                continue
            t = cert.apply(
                Action.EXPIRE,
                reason_code="validity_ended",
                reason="",
                actor="system:expiry-job",
                at=utcnow(),
            )
            _save_transition(uow, cert, t)
        uow.commit()
        return len(numbers)


# -- joint punishment (applied from credit events) ------------------------------------------
@dataclass(frozen=True)
class MeasureChange:
    listing_id: str
    uscc: str
    measure_code: str
    measure_name: str
    legal_basis: str
    enforcing_service: str


def apply_measure(
    uow: RegistryUnitOfWork, m: MeasureChange, *, suspend_existing: bool = False
) -> None:
    """A dishonesty-list measure against ``m.uscc`` takes effect here. Idempotent."""
    with uow:
        if uow.sanctions.get(m.listing_id, m.measure_code) is None:
            uow.sanctions.add(_sanction(m))
            uow.changes.record("holder", m.uscc, f"measure_applied:{m.measure_code}", "active")
            if m.measure_code == BARRING_MEASURE and suspend_existing:
                _joint_transition(uow, m.uscc, Action.SUSPEND, "valid", "joint_punishment", None)
            if m.measure_code == LIFETIME_BAN:
                _withdraw_banned_body(uow, m)
                ban_lab_of(uow, m.uscc)
        uow.commit()


def _sanction(m: MeasureChange) -> HolderSanction:
    return HolderSanction(
        holder_uscc=m.uscc,
        listing_id=m.listing_id,
        measure_code=m.measure_code,
        measure_name=m.measure_name,
        legal_basis=m.legal_basis,
        enforcing_service=m.enforcing_service,
        active=True,
        started_at=utcnow(),
    )


def lift_measure(
    uow: RegistryUnitOfWork, m: MeasureChange, *, suspend_existing: bool = False
) -> None:
    """Delisting or approved repair: the measure stops; certificates suspended for it return."""
    with uow:
        sanction = uow.sanctions.get(m.listing_id, m.measure_code)
        if sanction is None:
            uow.sanctions.add(HolderSanction.tombstone(_sanction(m)))
        elif sanction.lift(utcnow()):
            uow.sanctions.save(sanction)
            uow.changes.record("holder", m.uscc, f"measure_lifted:{m.measure_code}", "lifted")
            if m.measure_code == BARRING_MEASURE and suspend_existing and not _still_barred(uow, m):
                _joint_transition(
                    uow,
                    m.uscc,
                    Action.RESTORE,
                    "suspended",
                    "joint_punishment_lifted",
                    "joint_punishment",
                )
        uow.commit()


def _still_barred(uow: RegistryUnitOfWork, m: MeasureChange) -> bool:
    return barred_by_another_listing(uow.sanctions.active_for(m.uscc), m.listing_id)


def _joint_transition(
    uow: RegistryUnitOfWork,
    uscc: str,
    action: Action,
    status: str,
    reason_code: str,
    only_reason: str | None,
) -> None:
    for number in uow.sanctions.valid_certificate_numbers(uscc, status, only_reason):
        cert = uow.certificates.get(number, for_update=True)
        assert cert is not None
        t = cert.apply(
            action,
            reason_code=reason_code,
            reason="joint punishment",
            actor="system:joint-punishment",
            at=utcnow(),
        )
        _save_transition(uow, cert, t)


def _withdraw_banned_body(uow: RegistryUnitOfWork, m: MeasureChange) -> None:
    """A lifetime ban of a certification body withdraws its accreditation for good."""
    body_id = uow.bodies.id_by_uscc(m.uscc)
    body = uow.bodies.get(body_id, for_update=True) if body_id else None
    if body is None or body.accreditation_status is AccreditationStatus.WITHDRAWN:
        return
    old = body.change_accreditation(AccreditationStatus.WITHDRAWN, "lifetime_ban", utcnow())
    uow.bodies.save(body)
    reason = f"lifetime ban, listing {m.listing_id}"
    uow.bodies.record_accreditation(body.id, old, body, reason, "system:joint-punishment")
    uow.changes.record("body", body.id, "accreditation_changed", body.accreditation_status.value)
    uow.emit(_accreditation_event(body, old, reason), subject=body.id)
