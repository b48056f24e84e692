"""Certification bodies and certificates with their lifecycle. Pure Python: no ORM, no web."""

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from services.registry.domain.reasons import ACCREDITATION_REASONS, REASON_CODES, Action
from services.registry.domain.schemes import CATALOGUE, Scheme
from shared.exceptions import Conflict, InvalidInput


class CertificateStatus(StrEnum):
    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REPLACED = "replaced"


class AccreditationStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"


S = CertificateStatus
# Which states each action may start from, and where it leads.
TRANSITIONS: dict[Action, tuple[frozenset[CertificateStatus], CertificateStatus]] = {
    Action.SUSPEND: (frozenset({S.VALID}), S.SUSPENDED),
    Action.RESTORE: (frozenset({S.SUSPENDED}), S.VALID),
    Action.REVOKE: (frozenset({S.VALID, S.SUSPENDED}), S.REVOKED),
    # A suspended certificate may be surrendered too (issue 14): the holder stops using it.
    Action.CANCEL: (frozenset({S.VALID, S.SUSPENDED}), S.CANCELLED),
    Action.EXPIRE: (frozenset({S.VALID, S.SUSPENDED}), S.EXPIRED),
    Action.REPLACE: (frozenset({S.VALID}), S.REPLACED),
}

A = AccreditationStatus
ACCREDITATION_TRANSITIONS: dict[AccreditationStatus, frozenset[AccreditationStatus]] = {
    A.ACTIVE: frozenset({A.SUSPENDED, A.WITHDRAWN}),
    A.SUSPENDED: frozenset({A.ACTIVE, A.WITHDRAWN}),
    A.WITHDRAWN: frozenset(),  # withdrawal is final; a new approval is a new body record
}


class IllegalTransition(Conflict):
    code = "illegal_transition"


def check_reason(action: Action, reason_code: str) -> None:
    allowed = REASON_CODES[action]
    if reason_code not in allowed:
        raise InvalidInput(
            f"{reason_code!r} is not a reason code for {action.value}",
            code="unknown_reason_code",
            allowed=sorted(allowed),
        )


@dataclass
class Transition:
    action: Action
    from_status: CertificateStatus | None
    to_status: CertificateStatus
    reason_code: str
    reason: str
    actor: str
    occurred_at: datetime


@dataclass
class CertificationBody:
    id: str
    name: str
    region_code: str
    approved_schemes: list[str]
    uscc: str | None = None  # the body's own Unified Social Credit Code
    accreditation_status: AccreditationStatus = AccreditationStatus.ACTIVE
    accreditation_reason_code: str | None = None
    accreditation_changed_at: datetime | None = None

    def can_issue(self, scheme: Scheme) -> None:
        if self.accreditation_status is not AccreditationStatus.ACTIVE:
            raise Conflict(
                f"certification body {self.id} is {self.accreditation_status.value} "
                "and cannot issue certificates",
                code="body_not_active",
                accreditation_status=self.accreditation_status.value,
            )
        if scheme.code not in self.approved_schemes:
            raise Conflict(
                f"certification body {self.id} is not approved for scheme {scheme.code}",
                code="scheme_not_approved",
                approved_schemes=self.approved_schemes,
            )

    def change_accreditation(
        self, new_status: AccreditationStatus, reason_code: str, at: datetime
    ) -> AccreditationStatus:
        if reason_code not in ACCREDITATION_REASONS:
            raise InvalidInput(
                f"{reason_code!r} is not an accreditation reason code",
                code="unknown_reason_code",
                allowed=sorted(ACCREDITATION_REASONS),
            )
        old = self.accreditation_status
        if new_status not in ACCREDITATION_TRANSITIONS[old]:
            raise IllegalTransition(
                f"accreditation cannot go from {old.value} to {new_status.value}",
                current_status=old.value,
            )
        self.accreditation_status = new_status
        self.accreditation_reason_code = reason_code
        self.accreditation_changed_at = at
        return old


@dataclass
class Certificate:
    number: str
    scheme: str
    scope: str
    holder_uscc: str
    holder_name: str
    body_id: str
    issue_date: date
    expiry_date: date
    signer_name: str
    product_name: str | None = None
    product_model: str | None = None
    signer_position: str | None = None
    signer_registration_no: str | None = None
    status: CertificateStatus = CertificateStatus.VALID
    status_reason_code: str | None = None
    status_changed_at: datetime | None = None
    replaces_number: str | None = None
    replaced_by_number: str | None = None
    history: list[Transition] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        scheme = CATALOGUE.get(self.scheme)
        if scheme is None:
            raise InvalidInput(
                f"unknown certification scheme {self.scheme!r}",
                code="unknown_scheme",
                allowed=sorted(CATALOGUE),
            )
        if scheme.is_product_scheme and not (self.product_name and self.product_model):
            raise InvalidInput(
                f"{scheme.code} is a product scheme: product_name and product_model are required",
                code="product_required",
            )
        if self.expiry_date <= self.issue_date:
            raise InvalidInput("expiry_date must be after issue_date", code="invalid_validity")
        limit = _add_years(self.issue_date, scheme.max_validity_years)
        if self.expiry_date > limit:
            raise InvalidInput(
                f"{scheme.code} certificates are valid for at most "
                f"{scheme.max_validity_years} years (until {limit})",
                code="validity_too_long",
            )

    def effective_status(self, today: date) -> CertificateStatus:
        """What a verifier should be told today, even before the expiry job has run."""
        return effective_status(self.status, self.expiry_date, today)

    def apply(
        self, action: Action, *, reason_code: str, reason: str, actor: str, at: datetime
    ) -> Transition:
        check_reason(action, reason_code)
        sources, target = TRANSITIONS[action]
        if self.status not in sources:
            raise IllegalTransition(
                f"cannot {action.value} a certificate that is {self.status.value}",
                current_status=self.status.value,
            )
        transition = Transition(action, self.status, target, reason_code, reason, actor, at)
        self.status = target
        self.status_reason_code = reason_code
        self.status_changed_at = at
        self.history.append(transition)
        return transition


def effective_status(status: str, expiry_date: date, today: date) -> CertificateStatus:
    current = CertificateStatus(status)
    if current in (S.VALID, S.SUSPENDED) and expiry_date < today:
        return S.EXPIRED
    return current


def issue(cert: Certificate, body: CertificationBody, *, actor: str, at: datetime) -> Transition:
    """A new certificate; the caller has already checked the body is the caller."""
    body.can_issue(CATALOGUE[cert.scheme])
    transition = Transition(Action.ISSUE, None, S.VALID, "initial_certification", "", actor, at)
    cert.status = S.VALID
    cert.status_changed_at = at
    cert.history.append(transition)
    return transition


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)
