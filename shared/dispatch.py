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

A contract may also have a *bulk* action (``on(..., bulk=...)``) that the consumer uses for a
poll's batch: all the batch's events of that contract in one set-based statement (a backfill
of a hundred thousand risk grades is then a few hundred upserts, not a hundred thousand ORM
round trips). A bulk action must give the same state as applying its events one by one in any
order (e.g. "the newest occurred_at wins"), touch state no other action of the table touches,
and emit no events; the one-by-one action stays the path for single messages and for a batch
that failed.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, Self, TypeVar

from sqlmodel import Session

from shared.events import EventEnvelope, EventPayload, contracts
from shared.observability import request_id_var

Ctx = TypeVar("Ctx")
P = TypeVar("P", bound=EventPayload)

Action = Callable[[Ctx, P, EventEnvelope], None]
BulkAction = Callable[[Ctx, Sequence[tuple[P, EventEnvelope]]], None]


@contextmanager
def correlated(envelope: EventEnvelope) -> Iterator[None]:
    """The flow's correlation id (an event without one starts a flow: its own id) goes into
    the consumer's log lines and, through the unit of work, into the events it emits."""
    token = request_id_var.set(envelope.correlation_id or str(envelope.event_id))
    try:
        yield
    finally:
        request_id_var.reset(token)


@dataclass(frozen=True)
class _Entry:
    contract: type[EventPayload]
    action: Callable[[Any, Any, EventEnvelope], None]
    bulk: Callable[[Any, Any], None] | None


class Dispatcher(Generic[Ctx]):
    """Routes an envelope to the action registered for its contract type (a ``Handler``)."""

    def __init__(self, context: Callable[[Session], Ctx]) -> None:
        self._context = context
        self._table: dict[str, _Entry] = {}

    def on(
        self,
        contract: type[P],
        action: "Action[Ctx, P]",
        *,
        bulk: "BulkAction[Ctx, P] | None" = None,
    ) -> Self:
        """Register ``action`` for every version of ``contract``'s event type (older versions
        are upcast first, so the action always sees ``contract`` itself)."""
        if contract.EVENT_TYPE in self._table:
            raise ValueError(f"{contract.EVENT_TYPE} has a handler already")
        self._table[contract.EVENT_TYPE] = _Entry(contract, action, bulk)
        return self

    def on_each(self, contracts_: Iterable[type[P]], action: "Action[Ctx, P]") -> Self:
        for contract in contracts_:
            self.on(contract, action)
        return self

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(self._table)

    def __call__(self, session: Session, envelope: EventEnvelope) -> None:
        entry = self._table.get(envelope.event_type)
        if entry is not None:  # else not ours to act on
            entry.action(self._context(session), self._parse(entry, envelope), envelope)

    def apply_many(self, session: Session, envelopes: Sequence[EventEnvelope]) -> None:
        """A batch in the caller's transaction: one-by-one actions in order (each under its
        event's correlation id, flushed so a failure is that event's), then each bulk action
        once with all of its events."""
        bulk: dict[str, list[tuple[EventPayload, EventEnvelope]]] = {}
        for envelope in envelopes:
            entry = self._table.get(envelope.event_type)
            if entry is None:
                continue
            if entry.bulk is not None:
                bulk.setdefault(envelope.event_type, []).append(
                    (self._parse(entry, envelope), envelope)
                )
                continue
            with correlated(envelope):
                self(session, envelope)
                session.flush()
        for event_type, items in bulk.items():
            entry = self._table[event_type]
            assert entry.bulk is not None
            with correlated(items[0][1]):
                entry.bulk(self._context(session), items)
                session.flush()

    @staticmethod
    def _parse(entry: _Entry, envelope: EventEnvelope) -> EventPayload:
        payload = contracts.parse_latest(envelope)
        if not isinstance(payload, entry.contract):
            raise TypeError(
                f"{envelope.event_type} parsed as {type(payload).__name__}, "
                f"not {entry.contract.__name__}"
            )
        return payload
