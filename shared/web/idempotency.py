"""``Idempotency-Key`` on POSTs: a retried request gets the first answer instead of a twin.

The first request with a key (per caller and route) reserves the key, runs, and stores its
answer; a replay with the same body gets that stored answer (``Idempotent-Replayed: true``),
the same key with a different body is 422 ``idempotency_key_reused``, and a replay while the
first is still running is 409 ``idempotency_key_in_progress``. Only 2xx answers are kept: after
a 4xx or 5xx the key is free again, so a corrected request can reuse it. Keys are scoped to the
caller (the verified token's subject), so nobody can read another caller's stored answer.

The unit of work marks the key in the transaction that commits the effect
(``shared.idempotency_record``), so an ambiguous commit (acknowledgement lost, answered 503) is
resolved by the retry: a free key means nothing committed and the retry performs it once; a
marked key without a stored answer is 409 ``idempotency_key_effect_committed`` (the first
attempt took effect; read the resource), never a second effect. The answer is captured even
when the client has gone before it was sent, so a retry after a lost response replays it.
"""

import hashlib
import json
import logging
from datetime import timedelta
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table, delete, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from shared.clock import utcnow
from shared.db import UtcDateTime, is_database_unavailable
from shared.exceptions import DomainError
from shared.idempotency_record import EFFECT_COMMITTED, PendingKey, pending_key
from shared.web.guard import ASGIApp, Message, Receive, Scope, Send, header
from shared.web.outages import database_unavailable_response
from shared.web.problems import problem, status_for

log = logging.getLogger(__name__)

HEADER = b"idempotency-key"
TABLE_NAME = "idempotency_key"
KEEP_FOR = timedelta(hours=24)
ABANDONED_AFTER = timedelta(minutes=2)
MAX_KEY_LENGTH = 200


def idempotency_table(metadata: MetaData) -> Table:
    return Table(
        TABLE_NAME,
        metadata,
        Column("scope", String(64), primary_key=True),  # sha256(caller, method, path, key)
        Column("request_hash", String(64), nullable=False),
        Column("status", Integer, nullable=True),  # null while the first request runs
        Column("content_type", String(200), nullable=True),
        Column("body", LargeBinary, nullable=True),
        Column("created_at", UtcDateTime(), nullable=False),
    )


class IdempotencyStore:
    def __init__(self, engine: Engine, table: Table) -> None:
        self.engine, self.table = engine, table

    def reserve(self, scope: str, request_hash: str) -> dict[str, Any] | None:
        """None when reserved for this request; else the existing row."""
        t = self.table
        with self.engine.begin() as conn:
            conn.execute(delete(t).where(t.c.scope == scope, t.c.created_at < utcnow() - KEEP_FOR))
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(t).values(scope=scope, request_hash=request_hash, created_at=utcnow())
                )
            return None
        except IntegrityError:
            if self._take_over_abandoned(scope, request_hash):
                return None
            with self.engine.connect() as conn:
                row = conn.execute(select(t).where(t.c.scope == scope)).mappings().first()
            return dict(row) if row else {"status": None, "request_hash": request_hash}

    def _take_over_abandoned(self, scope: str, request_hash: str) -> bool:
        """A reservation whose request never finished (its process died, or the database went
        away before the answer could be stored) frees the key after ``ABANDONED_AFTER``."""
        t = self.table
        with self.engine.begin() as conn:
            taken = conn.execute(
                sql_update(t)
                .where(
                    t.c.scope == scope,
                    t.c.request_hash == request_hash,
                    t.c.status.is_(None),
                    t.c.created_at < utcnow() - ABANDONED_AFTER,
                )
                .values(created_at=utcnow())
            ).rowcount
        return bool(taken)

    def complete(self, scope: str, status: int, content_type: str, body: bytes) -> None:
        t = self.table
        with self.engine.begin() as conn:
            conn.execute(
                sql_update(t)
                .where(t.c.scope == scope)
                .values(status=status, content_type=content_type, body=body)
            )

    def release(self, scope: str) -> None:
        """Free the key unless the effect committed (then the marker must stay)."""
        t = self.table
        with self.engine.begin() as conn:
            conn.execute(delete(t).where(t.c.scope == scope, t.c.status.is_(None)))


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, *, engine: Engine, table: Table | None) -> None:
        self.app = app
        self.store = IdempotencyStore(engine, table) if table is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = header(scope, HEADER) if scope["type"] == "http" else None
        if self.store is None or key is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        if not key or len(key) > MAX_KEY_LENGTH:
            await problem(422, "invalid_idempotency_key", "Invalid input", "1-200 characters")(
                scope, receive, send
            )
            return
        try:
            caller = _caller(scope)
        except DomainError as exc:  # a bad token: the usual 401
            await problem(status_for(exc), exc.code, exc.title, exc.detail)(scope, receive, send)
            return
        body = await _read_all(receive)
        slot = hashlib.sha256(json.dumps([caller, scope["path"], key]).encode()).hexdigest()
        request_hash = hashlib.sha256(body).hexdigest()
        try:
            existing = await run_in_threadpool(self.store.reserve, slot, request_hash)
        except Exception as exc:
            if not is_database_unavailable(exc):
                raise
            await database_unavailable_response(Request(scope), exc)(scope, receive, send)
            return
        if existing is not None:
            await self._replay(existing, request_hash, scope, receive, send)
            return
        await self._run_and_store(slot, body, scope, receive, send)

    async def _replay(
        self, row: dict[str, Any], request_hash: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if row["request_hash"] != request_hash:
            response = problem(
                422,
                "idempotency_key_reused",
                "Invalid input",
                "this Idempotency-Key was used with a different request body",
            )
        elif row["status"] == EFFECT_COMMITTED:
            response = problem(
                409,
                "idempotency_key_effect_committed",
                "Conflict",
                "the first request with this Idempotency-Key took effect, but its answer was not"
                " stored (it failed after the commit); read the resource to see the outcome",
            )
        elif row["status"] is None:
            response = problem(
                409,
                "idempotency_key_in_progress",
                "Conflict",
                "the first request with this Idempotency-Key is still running",
            )
        else:
            await send(
                {
                    "type": "http.response.start",
                    "status": row["status"],
                    "headers": [
                        (b"content-type", (row["content_type"] or "").encode("latin-1")),
                        (b"idempotent-replayed", b"true"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": row["body"] or b""})
            return
        await response(scope, receive, send)

    async def _run_and_store(
        self, slot: str, body: bytes, scope: Scope, receive: Receive, send: Send
    ) -> None:
        store = self.store
        assert store is not None
        status, content_type, chunks = 500, "", []
        client_gone = False

        async def capture(message: Message) -> None:
            nonlocal status, content_type, client_gone
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", ()):
                    if name.lower() == b"content-type":
                        content_type = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            if client_gone:
                return
            try:
                await send(message)
            except OSError:  # the client went away: keep the answer for its retry
                client_gone = True

        sent = False

        async def replay_body() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        token = pending_key.set(PendingKey(store.table, slot))
        try:
            await self.app(scope, replay_body, capture)
        finally:
            pending_key.reset(token)
            try:
                if 200 <= status < 300:
                    await run_in_threadpool(
                        store.complete, slot, status, content_type, b"".join(chunks)
                    )
                else:
                    await run_in_threadpool(store.release, slot)
            except Exception as exc:
                if not is_database_unavailable(exc):
                    raise
                # the reservation stays open; it is taken over after ABANDONED_AFTER
                log.warning("idempotency key outcome not stored (database unavailable): %s", exc)


def _caller(scope: Scope) -> str:
    authorization = header(scope, b"authorization") or ""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return "anonymous"
    verifier = scope["app"].state.token_verifier
    return str(verifier.verify(token.strip()).actor())


async def _read_all(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
