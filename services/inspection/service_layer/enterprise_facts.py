"""Facts from other services about enterprises (issue 5's consumers call these with the source
event id): risk classes, dishonesty measures and certified products, mirrored idempotently."""

from datetime import datetime

from services.inspection.adapters.orm import (
    CertifiedProductRow,
    DishonestyMeasureRow,
    EnterpriseRiskRow,
)
from services.inspection.domain.model import (
    RiskClass,
)
from services.inspection.service_layer.ports import MirrorWork
from shared.clock import utcnow


def set_enterprise_risk_class(
    uow: MirrorWork,
    uscc: str,
    risk_class: str,
    source_event_id: str,
    occurred_at: datetime,
) -> bool:
    """The credit service graded the enterprise: its units are weighted by this class from the
    next snapshot on. Older events than the one applied are ignored (returns False)."""
    cls = RiskClass(risk_class)
    with uow:
        row = uow.mirror.risk(uscc, for_update=True)
        if row is not None and row.occurred_at >= occurred_at:
            return False
        if row is None:
            uow.mirror.add(
                EnterpriseRiskRow(
                    uscc=uscc,
                    risk_class=cls.value,
                    source_event_id=source_event_id,
                    occurred_at=occurred_at,
                    updated_at=utcnow(),
                )
            )
        else:
            row.risk_class, row.source_event_id = cls.value, source_event_id
            row.occurred_at, row.updated_at = occurred_at, utcnow()
        uow.commit()
    return True


def apply_dishonesty_measure(
    uow: MirrorWork,
    uscc: str,
    listing_id: str,
    measure_code: str,
    source_event_id: str,
    occurred_at: datetime,
) -> bool:
    """A listed dishonest enterprise: higher weight, no six-month exemption, while active."""
    with uow:
        if uow.mirror.measure(listing_id, for_update=True) is not None:
            return False
        uow.mirror.add(
            DishonestyMeasureRow(
                uscc=uscc,
                listing_id=listing_id,
                measure_code=measure_code,
                active=True,
                source_event_id=source_event_id,
                started_at=occurred_at,
            )
        )
        uow.commit()
    return True


def lift_dishonesty_measure(
    uow: MirrorWork,
    listing_id: str,
    source_event_id: str,
    occurred_at: datetime,
    *,
    uscc: str | None = None,
    measure_code: str = "",
) -> bool:
    with uow:
        row = uow.mirror.measure(listing_id, for_update=True)
        if row is None and uscc:
            # The lift overtook its apply (relays may publish out of order): a tombstone makes
            # the late apply of this listing a no-op.
            uow.mirror.add(
                DishonestyMeasureRow(
                    uscc=uscc,
                    listing_id=listing_id,
                    measure_code=measure_code,
                    active=False,
                    source_event_id=source_event_id,
                    started_at=occurred_at,
                    lifted_at=occurred_at,
                    lifted_event_id=source_event_id,
                )
            )
            uow.commit()
            return True
        if row is None or not row.active:
            return False
        row.active, row.lifted_at, row.lifted_event_id = False, occurred_at, source_event_id
        uow.commit()
    return True


def mark_certified_product(
    uow: MirrorWork,
    certificate_number: str,
    scheme: str,
    uscc: str,
    product_name: str | None,
    model: str | None,
    status: str,
    source_event_id: str,
    occurred_at: datetime,
) -> bool:
    """Mirror a certificate (from the registry's events) so views can show certified units."""
    with uow:
        row = uow.mirror.certified(certificate_number)
        if row is not None and row.occurred_at >= occurred_at:
            return False
        if row is None:
            uow.mirror.add(
                CertifiedProductRow(
                    certificate_number=certificate_number,
                    scheme=scheme,
                    uscc=uscc,
                    product_name=product_name,
                    model=model,
                    status=status,
                    source_event_id=source_event_id,
                    occurred_at=occurred_at,
                )
            )
        else:
            row.status, row.source_event_id, row.occurred_at = status, source_event_id, occurred_at
        uow.commit()
    return True
