"""The one consumer dispatcher: a handler table keyed by contract type.

Every service's consumer builds one ``Dispatcher``: for each payload contract it acts on (a
``shared.contracts`` model), one function receiving the service's context (its unit of work
joined to the consumer's transaction), the payload parsed and upcast to the newest version,
and the envelope (event id, occurred_at). Events of other types are no concern of the service:
the dispatcher ignores them, and the consumer records them as processed all the same.

    dispatcher = (
        Dispatcher(lambda session: RegistryUnitOfWork(engine).joining(session))
        .on(MeasureAppliedV1, _applied)
        .on(MeasureLiftedV1, _lifted)
    )
    IdempotentConsumer(..., handler=dispatcher)
"""

from collections.abc import Callable, Iterable
from typing import Any, Generic, Self, TypeVar

from sqlmodel import Session

from shared.events import EventEnvelope, EventPayload, contracts

Ctx = TypeVar("Ctx")
P = TypeVar("P", bound=EventPayload)

Action = Callable[[Ctx, P, EventEnvelope], None]


class Dispatcher(Generic[Ctx]):
    """Routes an envelope to the action registered for its contract type (a ``Handler``)."""

    def __init__(self, context: Callable[[Session], Ctx]) -> None:
        self._context = context
        self._table: dict[str, tuple[type[EventPayload], Callable[[Ctx, Any, EventEnvelope], None]]]
        self._table = {}

    def on(self, contract: type[P], action: "Action[Ctx, P]") -> Self:
        """Register ``action`` for every version of ``contract``'s event type (older versions
        are upcast first, so the action always sees ``contract`` itself)."""
        if contract.EVENT_TYPE in self._table:
            raise ValueError(f"{contract.EVENT_TYPE} has a handler already")
        self._table[contract.EVENT_TYPE] = (contract, action)
        return self

    def on_each(self, contracts_: Iterable[type[P]], action: "Action[Ctx, P]") -> Self:
        for contract in contracts_:
            self.on(contract, action)
        return self

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(self._table)

    def handles(self, envelope: EventEnvelope) -> bool:
        return envelope.event_type in self._table

    def __call__(self, session: Session, envelope: EventEnvelope) -> None:
        entry = self._table.get(envelope.event_type)
        if entry is None:
            return  # not ours to act on
        contract, action = entry
        payload = contracts.parse_latest(envelope)
        if not isinstance(payload, contract):
            raise TypeError(
                f"{envelope.event_type} parsed as {type(payload).__name__}, not {contract.__name__}"
            )
        action(self._context(session), payload, envelope)
