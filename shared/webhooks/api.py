"""The subscription API a service mounts: ``/webhooks/subscriptions...``.

Anyone may subscribe (what is delivered is the public feed); the answer carries an API key
and a signing secret, shown once. Every other call needs the subscription's API key in
``X-API-Key``; another key, or none, gets 404.
"""

import json
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Security
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from shared.exceptions import InvalidInput, NotFound
from shared.uscc import validate as validate_uscc
from shared.web.dependencies import EngineDep
from shared.web.problems import PROBLEM_RESPONSES
from shared.web.responses import Timestamp
from shared.webhooks import schema as t
from shared.webhooks import store
from shared.webhooks.fanout import FeedSource, backfill, requeue, write_engine
from shared.webhooks.settings import WebhookSettings
from shared.webhooks.targets import check_target

API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="the subscription's key")
Number = Annotated[
    str, StringConstraints(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9\-/.]*$")
]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=2000, description="https endpoint receiving signed POSTs")
    notify_url: str | None = Field(
        default=None, max_length=2000, description="told (signed POST) when deliveries pause"
    )
    event_types: list[Annotated[str, StringConstraints(max_length=100)]] = Field(
        default_factory=list, max_length=20, description="type prefixes; empty: every type"
    )
    certificates: list[Number] = Field(default_factory=list, max_length=1000)
    usccs: list[Annotated[str, StringConstraints(max_length=18)]] = Field(
        default_factory=list, max_length=1000
    )
    description: str = Field(default="", max_length=200)


class ReplayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    since_sequence: int = Field(ge=0, description="resend entries after this feed sequence")


# Answers. Timestamps keep the isoformat() form these routes sent before they had models.
class SecretOut(BaseModel):
    created_at: str = Field(description="ISO timestamp, as stored")
    expires_at: str | None = Field(description="null: signs until rotated")


class SubscriptionOut(BaseModel):
    id: str
    target_url: str
    notify_url: str | None
    event_types: list[str]
    certificates: list[str]
    usccs: list[str]
    status: str = Field(description="active | paused | deleted")
    failure_streak: int
    paused_at: Timestamp | None
    paused_reason: str | None
    description: str
    start_after: int = Field(description="entries after this feed sequence are delivered")
    created_at: Timestamp
    secrets: list[SecretOut]


class SubscriptionCreatedOut(SubscriptionOut):
    api_key: str = Field(description="for X-API-Key; shown only once")
    secret: str = Field(description="the signing secret; shown only once")


class SecretRotatedOut(SubscriptionOut):
    secret: str = Field(description="the new signing secret; shown only once")


class AttemptOut(BaseModel):
    attempt: int
    at: Timestamp
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryOut(BaseModel):
    id: str
    sequence: int
    event_type: str
    target_url: str | None = Field(description="set on notices to the owner")
    status: str = Field(description="pending | delivered | failed")
    attempts: int
    next_attempt_at: Timestamp
    delivered_at: Timestamp | None
    last_status_code: int | None
    last_error: str | None
    created_at: Timestamp
    payload: Any
    attempt_log: list[AttemptOut]


class DeliveryPageOut(BaseModel):
    items: list[DeliveryOut]
    next_after_sequence: int | None = Field(description="pass as after_sequence")


class QueuedOut(BaseModel):
    queued: int = Field(description="deliveries queued again")


Key = Annotated[str | None, Security(API_KEY)]
SubId = Annotated[str, Path(max_length=36)]


def webhook_router(source: FeedSource, settings: WebhookSettings) -> APIRouter:
    router = APIRouter(prefix="/webhooks", tags=["webhooks"], responses=PROBLEM_RESPONSES)
    _subscription_routes(router, source, settings)
    _owner_routes(router, settings)
    _delivery_routes(router, source)
    return router


def _write(engine: Engine) -> Any:
    return write_engine(engine).begin()


def _subscription_routes(router: APIRouter, source: FeedSource, settings: WebhookSettings) -> None:
    @router.post(
        "/subscriptions",
        status_code=201,
        response_model=SubscriptionCreatedOut,
        summary="Subscribe to signed webhooks",
    )
    def subscribe(body: SubscriptionIn, engine: EngineDep) -> dict:
        """Anyone (portals, enterprises). Entries of the public feed after now, all of them or
        those about the given certificates / USCCs, POSTed to ``url`` signed per Standard
        Webhooks. The answer holds the API key and the signing secret: shown only once."""
        for url in (body.url, body.notify_url):
            if url is not None:
                check_target(url, allow_private=settings.allow_private_targets)
        unknown = [e for e in body.event_types if not e.startswith(source.event_types)]
        if unknown:
            raise InvalidInput(
                f"unknown event types {unknown}; known: {list(source.event_types)}",
                code="webhook_event_type_unknown",
            )
        usccs = [validate_uscc(u) for u in body.usccs]
        new = store.NewSubscription(
            body.url, body.notify_url, body.event_types, body.certificates, usccs, body.description
        )
        with _write(engine) as conn:
            return store.create(conn, new, source.head(conn))

    @router.get(
        "/subscriptions/{subscription_id}", response_model=SubscriptionOut, summary="A subscription"
    )
    def get_subscription(subscription_id: SubId, api_key: Key, engine: EngineDep) -> dict:
        """Anyone holding the subscription's API key: filters, status (paused and why),
        secrets' validity."""
        with engine.connect() as conn:
            return store.public_view(store.by_key(conn, subscription_id, api_key))

    @router.delete("/subscriptions/{subscription_id}", status_code=204, summary="Unsubscribe")
    def delete_subscription(subscription_id: SubId, api_key: Key, engine: EngineDep) -> None:
        """Anyone holding the subscription's API key. Nothing more is sent."""
        with _write(engine) as conn:
            store.by_key(conn, subscription_id, api_key)
            store.set_status(conn, subscription_id, "deleted", None)


def _owner_routes(router: APIRouter, settings: WebhookSettings) -> None:
    """What the holder of a subscription's API key does with it: rotate, pause, resume."""

    @router.post(
        "/subscriptions/{subscription_id}/rotate-secret",
        response_model=SecretRotatedOut,
        summary="Rotate the secret",
    )
    def rotate(subscription_id: SubId, api_key: Key, engine: EngineDep) -> dict:
        """Anyone holding the subscription's API key. A new secret (shown once) signs from now
        on; the previous one keeps signing alongside for the overlap period."""
        overlap = timedelta(hours=settings.secret_overlap_hours)
        with _write(engine) as conn:
            secret = store.rotate(conn, store.by_key(conn, subscription_id, api_key), overlap)
            view = store.public_view(store.by_key(conn, subscription_id, api_key))
        return {**view, "secret": secret}

    @router.post(
        "/subscriptions/{subscription_id}/pause",
        response_model=SubscriptionOut,
        summary="Pause deliveries",
    )
    def pause(subscription_id: SubId, api_key: Key, engine: EngineDep) -> dict:
        """Anyone holding the subscription's API key. Entries keep queueing; nothing is sent."""
        return _status(engine, subscription_id, api_key, "paused", "paused by its owner")

    @router.post(
        "/subscriptions/{subscription_id}/resume",
        response_model=SubscriptionOut,
        summary="Resume deliveries",
    )
    def resume(subscription_id: SubId, api_key: Key, engine: EngineDep) -> dict:
        """Anyone holding the subscription's API key. Queued deliveries go out again."""
        return _status(engine, subscription_id, api_key, "active", None)


def _delivery_routes(router: APIRouter, source: FeedSource) -> None:
    @router.get(
        "/subscriptions/{subscription_id}/deliveries",
        response_model=DeliveryPageOut,
        summary="Delivery log",
    )
    def deliveries(
        subscription_id: SubId,
        api_key: Key,
        engine: EngineDep,
        status: Annotated[str | None, Query(pattern="^(pending|delivered|failed)$")] = None,
        after_sequence: Annotated[int | None, Query(ge=0)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> dict:
        """Anyone holding the subscription's API key. Deliveries in feed order with their
        attempts (notices to the owner first); page on with ``after_sequence``."""
        with engine.connect() as conn:
            store.by_key(conn, subscription_id, api_key)
            return _log(conn, subscription_id, status, after_sequence, limit)

    @router.post(
        "/subscriptions/{subscription_id}/deliveries/{delivery_id}/replay",
        response_model=QueuedOut,
        summary="Resend one delivery",
    )
    def replay_one(
        subscription_id: SubId,
        delivery_id: Annotated[str, Path(max_length=40)],
        api_key: Key,
        engine: EngineDep,
    ) -> dict:
        """Anyone holding the subscription's API key. Sent again (same ``webhook-id``)."""
        with _write(engine) as conn:
            store.by_key(conn, subscription_id, api_key)
            d = t.delivery
            found = conn.execute(
                select(d.c.id).where(d.c.id == delivery_id, d.c.subscription_id == subscription_id)
            ).first()
            if found is None:
                raise NotFound("no such delivery", code="delivery_not_found")
            requeue(conn, delivery_id)
        return {"queued": 1}

    @router.post(
        "/subscriptions/{subscription_id}/replay",
        response_model=QueuedOut,
        summary="Resend since a sequence",
    )
    def replay(subscription_id: SubId, body: ReplayIn, api_key: Key, engine: EngineDep) -> dict:
        """Anyone holding the subscription's API key. Every matching entry after
        ``since_sequence`` is sent again, including entries from before the subscription."""
        with _write(engine) as conn:
            sub = store.by_key(conn, subscription_id, api_key)
            return {"queued": backfill(conn, source, sub, body.since_sequence)}


def _status(engine: Engine, sub_id: str, api_key: str | None, status: str, why: str | None) -> dict:
    with write_engine(engine).begin() as conn:
        store.by_key(conn, sub_id, api_key)
        store.set_status(conn, sub_id, status, why)
        return store.public_view(store.by_key(conn, sub_id, api_key))


def _log(conn: Connection, sub_id: str, status: str | None, after: int | None, limit: int) -> dict:
    d, a = t.delivery, t.attempt
    stmt = select(d).where(d.c.subscription_id == sub_id)
    if after is not None:
        stmt = stmt.where(d.c.sequence > after)
    if status:
        stmt = stmt.where(d.c.status == status)
    rows = conn.execute(stmt.order_by(d.c.sequence).limit(limit)).mappings().all()
    attempts: dict[str, list[dict]] = {}
    if rows:
        for r in conn.execute(
            select(a).where(a.c.delivery_id.in_([r["id"] for r in rows])).order_by(a.c.id)
        ).mappings():
            attempts.setdefault(r["delivery_id"], []).append(
                {k: r[k] for k in ("attempt", "at", "status_code", "error", "duration_ms")}
            )
    items = [
        {
            **{
                k: r[k]
                for k in (
                    "id",
                    "sequence",
                    "event_type",
                    "target_url",
                    "status",
                    "attempts",
                    "next_attempt_at",
                    "delivered_at",
                    "last_status_code",
                    "last_error",
                    "created_at",
                )
            },
            "payload": json.loads(r["payload"]),
            "attempt_log": attempts.get(r["id"], []),
        }
        for r in rows
    ]
    return {"items": items, "next_after_sequence": rows[-1]["sequence"] if rows else after}
