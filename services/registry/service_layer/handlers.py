"""What the registry does with other services' events (called by its consumer, in the
consumer's transaction, which also records the processed event ids)."""

from sqlalchemy.engine import Engine

from services.registry.service_layer import services
from services.registry.service_layer.unit_of_work import RegistryUnitOfWork
from shared.contracts.credit import MeasureAppliedV1, MeasureLiftedV1
from shared.dispatch import Dispatcher
from shared.events import EventEnvelope

TOPICS = ["credit.events"]


def make_handler(engine: Engine, *, suspend_existing: bool) -> Dispatcher[RegistryUnitOfWork]:
    """Credit's dishonesty measures; every other event is recorded as processed, no effect."""

    def applied(uow: RegistryUnitOfWork, p: MeasureAppliedV1, _e: EventEnvelope) -> None:
        services.apply_measure(uow, _change(p), suspend_existing=suspend_existing)

    def lifted(uow: RegistryUnitOfWork, p: MeasureLiftedV1, _e: EventEnvelope) -> None:
        services.lift_measure(uow, _change(p), suspend_existing=suspend_existing)

    return (
        Dispatcher(lambda session: RegistryUnitOfWork(engine).joining(session))
        .on(MeasureAppliedV1, applied)
        .on(MeasureLiftedV1, lifted)
    )


def _change(payload: MeasureAppliedV1 | MeasureLiftedV1) -> services.MeasureChange:
    return services.MeasureChange(
        listing_id=payload.listing_id,
        uscc=payload.uscc,
        measure_code=payload.measure_code,
        measure_name=payload.measure_name,
        legal_basis=payload.legal_basis,
        enforcing_service=payload.enforcing_service,
    )
