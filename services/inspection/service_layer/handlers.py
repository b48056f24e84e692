"""Credit and registry events that change who gets drawn (joint punishment, issue 5).

- credit ``risk_grade.changed``: the enterprise's units are weighted by the new class in
  later snapshots;
- credit ``measure.applied`` / ``lifted`` for measures the inspection service enforces
  (higher inspection frequency, no six-month exemption): applied to later draws;
- registry certificate events: the certified-product mirror, so plans can target certified
  products.
Each runs in the consumer's transaction; the use cases ignore events older than the state
they already hold, so redelivery and reordering have no second effect.
"""

from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.inspection.service_layer import services
from services.inspection.service_layer.lab_standing import apply_lab_event
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.contracts.credit import MeasureAppliedV1, MeasureLiftedV1, RiskGradeChangedV1
from shared.contracts.registry import STATUS_EVENTS, CertificateIssuedV1, LabStatusChangedV1
from shared.events import EventEnvelope, contracts

TOPICS = ["credit.events", "registry.events"]
ENFORCED_HERE = "inspection"
CERTIFICATE_EVENTS = {
    CertificateIssuedV1.EVENT_TYPE,
    *(m.EVENT_TYPE for m in STATUS_EVENTS.values()),
}


def make_handler(engine: Engine) -> Callable[[Session, EventEnvelope], None]:
    def handle(session: Session, envelope: EventEnvelope) -> None:
        action = _ACTIONS.get(envelope.event_type)
        if action is None and envelope.event_type in CERTIFICATE_EVENTS:
            action = _certificate
        if action is not None:
            action(InspectionUnitOfWork(engine).joining(session), envelope)

    return handle


def _risk_grade(uow: InspectionUnitOfWork, envelope: EventEnvelope) -> None:
    p = contracts.parse_latest(envelope)
    assert isinstance(p, RiskGradeChangedV1)
    services.set_enterprise_risk_class(
        uow, p.uscc, p.to_grade, str(envelope.event_id), envelope.occurred_at
    )


def _measure_applied(uow: InspectionUnitOfWork, envelope: EventEnvelope) -> None:
    p = contracts.parse_latest(envelope)
    assert isinstance(p, MeasureAppliedV1)
    if p.enforcing_service == ENFORCED_HERE:
        services.apply_dishonesty_measure(
            uow, p.uscc, p.listing_id, p.measure_code, str(envelope.event_id), envelope.occurred_at
        )


def _measure_lifted(uow: InspectionUnitOfWork, envelope: EventEnvelope) -> None:
    p = contracts.parse_latest(envelope)
    assert isinstance(p, MeasureLiftedV1)
    if p.enforcing_service == ENFORCED_HERE:
        services.lift_dishonesty_measure(
            uow,
            p.listing_id,
            str(envelope.event_id),
            envelope.occurred_at,
            uscc=p.uscc,
            measure_code=p.measure_code,
        )


def _certificate(uow: InspectionUnitOfWork, envelope: EventEnvelope) -> None:
    p = contracts.parse_latest(envelope)
    status = "valid" if isinstance(p, CertificateIssuedV1) else getattr(p, "to_status")  # noqa: B009
    services.mark_certified_product(
        uow,
        certificate_number=p.number,  # type: ignore[attr-defined]
        scheme=p.scheme,  # type: ignore[attr-defined]
        uscc=p.holder_uscc,  # type: ignore[attr-defined]
        product_name=p.product_name,  # type: ignore[attr-defined]
        model=p.product_model,  # type: ignore[attr-defined]
        status=status,
        source_event_id=str(envelope.event_id),
        occurred_at=envelope.occurred_at,
    )


_ACTIONS: dict[str, Callable[[InspectionUnitOfWork, EventEnvelope], None]] = {
    RiskGradeChangedV1.EVENT_TYPE: _risk_grade,
    MeasureAppliedV1.EVENT_TYPE: _measure_applied,
    MeasureLiftedV1.EVENT_TYPE: _measure_lifted,
    LabStatusChangedV1.EVENT_TYPE: apply_lab_event,  # issue 14: banned/expired labs leave the pool
}
