"""Unit of work: one use case is one explicit database transaction (``with uow: ... commit``).

Events a use case emits go to the outbox inside the same transaction. Callbacks registered with
``after_commit`` run only once the commit succeeded (e.g. evicting a read cache). The request's
``Idempotency-Key`` (if any) is marked in the same transaction (``shared.idempotency_record``).
"""

from collections.abc import Callable
from typing import Any, Self

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from shared.db import WRITE, is_sqlite
from shared.events import EventEnvelope, EventPayload, topic_for
from shared.idempotency_record import mark_effect_committed
from shared.observability import request_id_var
from shared.outbox import Outbox, OutboxMessage


class SqlUnitOfWork:
    """Owns its transaction, or joins one (``joining``) that a consumer owns.

    A consumer records the processed event id in its own transaction; the use case it calls
    must write its effect (and its outbox rows) into that same transaction, so a joined unit
    of work flushes on ``commit`` and leaves the real commit to the transaction's owner.
    """

    def __init__(self, engine: Engine, outbox: Outbox, producer: str) -> None:
        self.engine = engine.execution_options(**WRITE) if is_sqlite(engine) else engine
        self.outbox = outbox
        self.producer = producer
        self._after_commit: list[Callable[[], Any]] = []
        self._pending: list[OutboxMessage] = []
        self._joined: Session | None = None

    def joining(self, session: Session) -> Self:
        self._joined = session
        return self

    def __enter__(self) -> Self:
        if self._joined is not None:
            self.session = self._joined
        else:
            self.session = Session(self.engine, expire_on_commit=False)
            self.session.begin()
        self._pending = []
        self._after_commit = []
        self.enter_repositories()
        return self

    def enter_repositories(self) -> None:
        """Subclasses build their repositories on ``self.session`` here."""

    def __exit__(self, *exc: object) -> None:
        if self._joined is not None:
            return  # the owner of the transaction commits or rolls back
        if self.session.in_transaction():
            self.session.rollback()
        self.session.close()

    def emit(self, payload: EventPayload, *, subject: str) -> EventEnvelope:
        envelope = EventEnvelope.wrap(
            payload, producer=self.producer, subject=subject, correlation_id=request_id_var.get()
        )
        self._pending.append(OutboxMessage(topic_for(self.producer), envelope))
        return envelope

    def after_commit(self, callback: Callable[[], Any]) -> None:
        self._after_commit.append(callback)

    def commit(self) -> None:
        self.session.flush()
        self.outbox.append(self.session, self._pending)
        if self._joined is None:
            mark_effect_committed(self.session)  # the request's Idempotency-Key, same commit
            self.session.commit()
        self._pending = []
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            if self._joined is None:
                callback()
            else:  # run when the owner really commits
                event.listen(self.session, "after_commit", lambda _s, cb=callback: cb(), once=True)

    def rollback(self) -> None:
        if self._joined is None:
            self.session.rollback()
        self._pending = []
        self._after_commit = []
