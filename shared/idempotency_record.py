"""Ties a request's ``Idempotency-Key`` to the effect's own transaction.

The web middleware reserves the key (status NULL) before the request runs and names it here;
the unit of work, in the transaction that commits the use case's effect, marks the key
``EFFECT_COMMITTED`` (status 0). So whether the effect committed and whether the key says so
can never disagree, even when the commit's acknowledgement is lost (the connection dropped
after COMMIT): a retry with the same key then finds either the stored answer, or the marker
(the effect took place once; it is never performed again), or a free key (nothing committed:
the retry performs it once). No FastAPI here: the unit of work imports it.
"""

from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import Table, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

EFFECT_COMMITTED = 0  # status of a key whose effect committed but whose answer is not stored


@dataclass(frozen=True)
class PendingKey:
    table: Table
    scope: str


pending_key: ContextVar[PendingKey | None] = ContextVar("pending_idempotency_key", default=None)


def mark_effect_committed(session: Session | Connection) -> None:
    """Inside the effect's transaction: the reserved key (if any) records that it took place."""
    key = pending_key.get()
    if key is None:
        return
    t = key.table
    session.execute(
        update(t)
        .where(t.c.scope == key.scope, t.c.status.is_(None))
        .values(status=EFFECT_COMMITTED)
    )
