"""Lifecycle use cases of issue 14: transfer to another body, suspension limits, and the end
of a withdrawn body's certificates. One transaction per use case (batches for the jobs)."""

from dataclasses import replace
from datetime import date, timedelta

from sqlmodel import col, select

from services.registry.adapters.orm import BodyRow, CertificateRow
from services.registry.domain.lifecycle_rules import (
    WITHDRAWN_BODY_REASON,
    LifecycleRules,
    suspension_limit_passed,
)
from services.registry.domain.model import AccreditationStatus, Certificate, CertificateStatus
from services.registry.domain.numbers import canonical_number
from services.registry.domain.reasons import Action
from services.registry.service_layer import services
from services.registry.service_layer.commands import IssueCertificate
from services.registry.service_layer.unit_of_work import RegistryUnitOfWork
from shared.auth import Principal, Role
from shared.clock import utcnow
from shared.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from shared.uscc import validate as validate_uscc

TRANSFER_REASON = "transfer_to_other_body"


def transfer_certificate(
    uow: RegistryUnitOfWork, old_number: str, cmd: IssueCertificate, actor: Principal
) -> Certificate:
    """The receiving body takes over a valid certificate on the holder's application: the old
    one is replaced (history kept), the new one is issued by the receiving body, and the
    mapping old -> new is public (replaced_by_number / replaces_number, GET /public/transfers)."""
    if actor.role is not Role.CERTIFICATION_BODY or not actor.body_id:
        raise Forbidden("only the receiving certification body transfers", code="role_not_allowed")
    holder_uscc = validate_uscc(cmd.holder_uscc)
    cmd = replace(cmd, holder_uscc=holder_uscc, number=canonical_number(cmd.number))
    with uow:
        old = uow.certificates.get(canonical_number(old_number), for_update=True)
        if old is None:
            raise NotFound(f"no certificate {old_number}", code="certificate_not_found")
        if old.body_id == actor.body_id:
            raise Conflict("the certificate is already yours; renew it", code="transfer_to_self")
        if holder_uscc != old.holder_uscc or cmd.scheme != old.scheme:
            raise InvalidInput(
                "a transfer keeps the holder and the scheme", code="transfer_mismatch"
            )
        if cmd.expiry_date > old.expiry_date:
            raise InvalidInput(
                f"a transfer keeps the validity: expiry_date at most {old.expiry_date}",
                code="transfer_extends_validity",
            )
        transition = old.apply(
            Action.REPLACE,
            reason_code=TRANSFER_REASON,
            reason=f"transferred to {actor.body_id} as {cmd.number}",
            actor=actor.actor(),
            at=utcnow(),
        )
        old.replaced_by_number = cmd.number
        # _issue checks the receiving body is active and approved for the scheme (409).
        new = services._issue(uow, cmd, actor, old.number)
        services._save_transition(uow, old, transition)
        uow.commit()
        return new


def enforce_suspension_limits(
    uow: RegistryUnitOfWork, rules: LifecycleRules, today: date, batch_size: int = 200
) -> int:
    """The scheduled job: act on suspensions that outlived their rule (revoke by default)."""
    acted = 0
    with uow:
        rows = uow.session.exec(
            select(CertificateRow.number)
            .where(col(CertificateRow.status) == CertificateStatus.SUSPENDED.value)
            .order_by(col(CertificateRow.status_changed_at))
        ).all()
        for number in rows:
            cert = uow.certificates.get(number, for_update=True)
            if cert is None or not suspension_limit_passed(cert, rules, today):
                continue
            rule = rules.suspension_rule(cert.scheme, cert.status_reason_code)
            t = cert.apply(
                rule.then,
                reason_code=rule.then_reason_code,
                reason=f"suspended longer than {rule.max_days} days ({rule.source})",
                actor="system:suspension-limit",
                at=utcnow(),
            )
            services._save_transition(uow, cert, t)
            acted += 1
            if acted >= batch_size:
                break
        uow.commit()
    return acted


def end_certificates_of_withdrawn_bodies(
    uow: RegistryUnitOfWork, rules: LifecycleRules, batch_size: int = 200
) -> int:
    """The scheduled job: once a withdrawn body's transfer period is over, its certificates
    that were not transferred are cancelled with the reason the public sees."""
    deadline = utcnow() - timedelta(days=rules.withdrawn_body_transfer_days)
    acted = 0
    with uow:
        bodies = uow.session.exec(
            select(BodyRow.id)
            .where(col(BodyRow.accreditation_status) == AccreditationStatus.WITHDRAWN.value)
            .where(col(BodyRow.accreditation_changed_at) < deadline)
        ).all()
        numbers = uow.session.exec(
            select(CertificateRow.number)
            .where(col(CertificateRow.body_id).in_(list(bodies)))
            .where(col(CertificateRow.status).in_(["valid", "suspended"]))
            .limit(batch_size)
        ).all()
        for number in numbers:
            cert = uow.certificates.get(number, for_update=True)
            if cert is None:
                continue
            t = cert.apply(
                Action.CANCEL,
                reason_code=WITHDRAWN_BODY_REASON,
                reason=f"issuing body's approval withdrawn; not transferred within "
                f"{rules.withdrawn_body_transfer_days} days",
                actor="system:withdrawn-body",
                at=utcnow(),
            )
            services._save_transition(uow, cert, t)
            acted += 1
        uow.commit()
    return acted
