"""What the registry does with other services' events (called by its consumer, one
transaction per event shared with the consumer's processed-event record)."""

from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.registry.service_layer import services
from services.registry.service_layer.unit_of_work import RegistryUnitOfWork
from shared.contracts.credit import MeasureAppliedV1, MeasureLiftedV1
from shared.events import EventEnvelope, contracts

TOPICS = ["credit.events"]


def make_handler(
    engine: Engine, *, suspend_existing: bool
) -> Callable[[Session, EventEnvelope], None]:
    def handle(session: Session, envelope: EventEnvelope) -> None:
        if envelope.event_type not in (MeasureAppliedV1.EVENT_TYPE, MeasureLiftedV1.EVENT_TYPE):
            return  # not ours to act on; recorded as processed all the same
        payload = contracts.parse_latest(envelope)
        assert isinstance(payload, MeasureAppliedV1 | MeasureLiftedV1)
        change = services.MeasureChange(
            listing_id=payload.listing_id,
            uscc=payload.uscc,
            measure_code=payload.measure_code,
            measure_name=payload.measure_name,
            legal_basis=payload.legal_basis,
            enforcing_service=payload.enforcing_service,
        )
        uow = RegistryUnitOfWork(engine).joining(session)
        if isinstance(payload, MeasureAppliedV1):
            services.apply_measure(uow, change, suspend_existing=suspend_existing)
        else:
            services.lift_measure(uow, change, suspend_existing=suspend_existing)

    return handle
