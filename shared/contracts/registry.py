"""Events the registry publishes on ``registry.events``."""

from datetime import date

from shared.events import EventPayload, contracts


class CertificateIssuedV1(EventPayload):
    EVENT_TYPE = "registry.certificate.issued"
    VERSION = 1

    number: str
    scheme: str
    compulsory: bool
    product_name: str | None
    product_model: str | None
    holder_uscc: str
    holder_name: str
    body_id: str
    issue_date: date
    expiry_date: date
    replaces_number: str | None = None


class _StatusChanged(EventPayload):
    VERSION = 1

    number: str
    scheme: str
    holder_uscc: str
    holder_name: str
    body_id: str
    product_name: str | None
    product_model: str | None
    from_status: str
    to_status: str
    reason_code: str
    reason: str
    for_cause: bool = False
    replaced_by_number: str | None = None


StatusChanged = _StatusChanged  # the common shape of every certificate status event


class CertificateSuspendedV1(_StatusChanged):
    EVENT_TYPE = "registry.certificate.suspended"


class CertificateRestoredV1(_StatusChanged):
    EVENT_TYPE = "registry.certificate.restored"


class CertificateRevokedV1(_StatusChanged):
    EVENT_TYPE = "registry.certificate.revoked"


class CertificateCancelledV1(_StatusChanged):
    EVENT_TYPE = "registry.certificate.cancelled"


class CertificateExpiredV1(_StatusChanged):
    EVENT_TYPE = "registry.certificate.expired"


class CertificateReplacedV1(_StatusChanged):
    EVENT_TYPE = "registry.certificate.replaced"


class BodyAccreditationChangedV1(EventPayload):
    EVENT_TYPE = "registry.body.accreditation_changed"
    VERSION = 1

    body_id: str
    body_name: str
    region_code: str
    body_uscc: str | None = None
    from_status: str | None
    to_status: str
    reason_code: str
    reason: str


class LabStatusChangedV1(EventPayload):
    """A testing lab's standing changed (registered, accreditation suspended, withdrawn or
    expired, lifetime ban): consumers drop labs that are not ``eligible`` from their pools."""

    EVENT_TYPE = "registry.lab.status_changed"
    VERSION = 1

    lab_id: str
    lab_name: str
    lab_uscc: str
    region_code: str
    accredited_categories: list[str]
    valid_until: date
    from_status: str | None
    to_status: str
    reason_code: str
    eligible: bool


STATUS_EVENTS: dict[str, type[_StatusChanged]] = {
    "suspend": CertificateSuspendedV1,
    "restore": CertificateRestoredV1,
    "revoke": CertificateRevokedV1,
    "cancel": CertificateCancelledV1,
    "expire": CertificateExpiredV1,
    "replace": CertificateReplacedV1,
}

_ALL: tuple[type[EventPayload], ...] = (
    CertificateIssuedV1,
    BodyAccreditationChangedV1,
    LabStatusChangedV1,
    *STATUS_EVENTS.values(),
)
for _model in _ALL:
    contracts.register(_model)
