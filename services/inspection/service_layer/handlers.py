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

from collections.abc import Sequence

from sqlalchemy.engine import Engine

from services.inspection.service_layer import enterprise_facts, risk_mirror
from services.inspection.service_layer.lab_standing import record_lab_standing
from services.inspection.service_layer.risk_mirror import RiskGrade
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.contracts.credit import MeasureAppliedV1, MeasureLiftedV1, RiskGradeChangedV1
from shared.contracts.registry import (
    STATUS_EVENTS,
    CertificateIssuedV1,
    LabStatusChangedV1,
    StatusChanged,
)
from shared.dispatch import Dispatcher
from shared.events import EventEnvelope

TOPICS = ["credit.events", "registry.events"]
ENFORCED_HERE = "inspection"
Uow = InspectionUnitOfWork


def make_handler(engine: Engine) -> Dispatcher[InspectionUnitOfWork]:
    return (
        Dispatcher(lambda session: InspectionUnitOfWork(engine).joining(session))
        .on(RiskGradeChangedV1, _risk_grade, bulk=_risk_grades)
        .on(MeasureAppliedV1, _measure_applied)
        .on(MeasureLiftedV1, _measure_lifted)
        .on(LabStatusChangedV1, _lab_status)  # issue 14: banned/expired labs leave the pool
        .on(CertificateIssuedV1, _certificate_issued)
        .on_each(STATUS_EVENTS.values(), _certificate_status)
    )


def _risk_grade(uow: Uow, p: RiskGradeChangedV1, envelope: EventEnvelope) -> None:
    enterprise_facts.set_enterprise_risk_class(
        uow, p.uscc, p.to_grade, str(envelope.event_id), envelope.occurred_at
    )


def _risk_grades(uow: Uow, items: Sequence[tuple[RiskGradeChangedV1, EventEnvelope]]) -> None:
    grades = [RiskGrade(p.uscc, p.to_grade, str(e.event_id), e.occurred_at) for p, e in items]
    risk_mirror.set_enterprise_risk_classes(uow, grades)


def _measure_applied(uow: Uow, p: MeasureAppliedV1, envelope: EventEnvelope) -> None:
    if p.enforcing_service == ENFORCED_HERE:
        enterprise_facts.apply_dishonesty_measure(
            uow, p.uscc, p.listing_id, p.measure_code, str(envelope.event_id), envelope.occurred_at
        )


def _measure_lifted(uow: Uow, p: MeasureLiftedV1, envelope: EventEnvelope) -> None:
    if p.enforcing_service == ENFORCED_HERE:
        enterprise_facts.lift_dishonesty_measure(
            uow,
            p.listing_id,
            str(envelope.event_id),
            envelope.occurred_at,
            uscc=p.uscc,
            measure_code=p.measure_code,
        )


def _lab_status(uow: Uow, p: LabStatusChangedV1, envelope: EventEnvelope) -> None:
    record_lab_standing(uow, p, str(envelope.event_id), envelope.occurred_at)


def _certificate_issued(uow: Uow, p: CertificateIssuedV1, envelope: EventEnvelope) -> None:
    _certified_product(uow, p, "valid", envelope)


def _certificate_status(uow: Uow, p: StatusChanged, envelope: EventEnvelope) -> None:
    _certified_product(uow, p, p.to_status, envelope)


def _certified_product(
    uow: Uow, p: CertificateIssuedV1 | StatusChanged, status: str, envelope: EventEnvelope
) -> None:
    enterprise_facts.mark_certified_product(
        uow,
        certificate_number=p.number,
        scheme=p.scheme,
        uscc=p.holder_uscc,
        product_name=p.product_name,
        model=p.product_model,
        status=status,
        source_event_id=str(envelope.event_id),
        occurred_at=envelope.occurred_at,
    )
