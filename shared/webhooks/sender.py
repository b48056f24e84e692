"""Sending due deliveries: claim with a lease, POST signed, record the attempt, schedule the
retry or pause the subscription after too many consecutive failures.

A worker that dies mid-send leaves the lease to expire; the delivery is then sent again with
the same ``webhook-id`` and body (at least once; receivers deduplicate on the id).
"""

import json
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from prometheus_client import Counter
from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import Engine, RowMapping

from shared.clock import utcnow
from shared.db import is_sqlite
from shared.exceptions import InvalidInput
from shared.webhooks import schema as t
from shared.webhooks import store
from shared.webhooks.fanout import write_engine
from shared.webhooks.settings import WebhookSettings
from shared.webhooks.signing import sign_headers
from shared.webhooks.targets import check_target

log = logging.getLogger(__name__)

ATTEMPTS = Counter("webhook_attempts_total", "Webhook delivery attempts", ["service", "outcome"])
PAUSED = Counter("webhook_subscriptions_paused_total", "Subscriptions paused", ["service"])


@dataclass
class Outcome:
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int
    retry_after: float | None = None  # what a 429/503 receiver asked for, in seconds


def claim(engine: Engine, settings: WebhookSettings) -> list[RowMapping]:
    now = utcnow()
    d, s = t.delivery, t.subscription
    stmt = (
        select(
            d.c.id,
            d.c.subscription_id,
            d.c.payload,
            d.c.attempts,
            d.c.target_url.label("notice_url"),
            func.coalesce(d.c.target_url, s.c.target_url).label("target_url"),
            s.c.secrets,
        )
        .join(s, s.c.id == d.c.subscription_id)
        .where(
            d.c.status == "pending",
            d.c.next_attempt_at <= now,
            # notices to the owner go out while the subscription is paused
            or_(s.c.status == "active", and_(s.c.status == "paused", d.c.target_url.isnot(None))),
            or_(d.c.lease_until.is_(None), d.c.lease_until < now),
        )
        .order_by(d.c.next_attempt_at, d.c.sequence)
        .limit(settings.batch_size)
    )
    if not is_sqlite(engine):
        stmt = stmt.with_for_update(of=d, skip_locked=True)
    lease = now + timedelta(seconds=settings.timeout_seconds * 3 + 5)
    with write_engine(engine).begin() as conn:
        rows = conn.execute(stmt).mappings().all()
        if rows:
            ids = [r["id"] for r in rows]
            conn.execute(update(d).where(d.c.id.in_(ids)).values(lease_until=lease))
    return list(rows)


def send_one(http: httpx.Client, row: RowMapping, settings: WebhookSettings) -> Outcome:
    started = time.monotonic()
    now = utcnow()
    try:
        check_target(row["target_url"], allow_private=settings.allow_private_targets)
        headers = sign_headers(row["id"], now, row["payload"], store.active_secrets(row, now))
        # streamed and never read: only the status counts, whatever the receiver sends back
        with http.stream(
            "POST", row["target_url"], content=row["payload"].encode(), headers=headers
        ) as response:
            code = response.status_code
            asked = response.headers.get("Retry-After", "")
        ok = 200 <= code < 300
        retry_after = float(asked) if asked.isdigit() else None
        return Outcome(ok, code, None if ok else f"HTTP {code}", _ms(started), retry_after)
    except InvalidInput as exc:
        return Outcome(False, None, f"{exc.code}: {exc.detail}", _ms(started))
    except httpx.HTTPError as exc:
        return Outcome(False, None, f"{type(exc).__name__}: {exc}"[:1000], _ms(started))


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def record(
    engine: Engine, row: RowMapping, out: Outcome, settings: WebhookSettings, service: str
) -> None:
    d, s = t.delivery, t.subscription
    now = utcnow()
    attempts = row["attempts"] + 1
    values: dict[str, Any] = {
        "attempts": attempts,
        "lease_until": None,
        "last_status_code": out.status_code,
        "last_error": out.error,
    }
    if out.ok:
        values.update(status="delivered", delivered_at=now)
    elif attempts > len(settings.retry_schedule):
        values["status"] = "failed"
    else:
        # the schedule, or later when the receiver asked for it (capped at the longest step)
        wait = settings.retry_schedule[attempts - 1]
        if out.retry_after is not None:
            wait = max(wait, min(out.retry_after, max(settings.retry_schedule)))
        values["next_attempt_at"] = now + timedelta(seconds=wait)
    with write_engine(engine).begin() as conn:
        conn.execute(update(d).where(d.c.id == row["id"]).values(**values))
        conn.execute(
            insert(t.attempt).values(
                delivery_id=row["id"],
                attempt=attempts,
                at=now,
                status_code=out.status_code,
                error=out.error,
                duration_ms=out.duration_ms,
            )
        )
        if row["notice_url"] is None:  # a notice's own failures do not count
            streak = 0 if out.ok else s.c.failure_streak + 1
            conn.execute(
                update(s).where(s.c.id == row["subscription_id"]).values(failure_streak=streak)
            )
            if not out.ok:
                _pause_if_failing(conn, row["subscription_id"], settings, service)
    ATTEMPTS.labels(service, "ok" if out.ok else "failed").inc()


def _pause_if_failing(conn: Any, sub_id: str, settings: WebhookSettings, service: str) -> None:
    s = t.subscription
    paused = conn.execute(
        update(s)
        .where(
            and_(
                s.c.id == sub_id,
                s.c.status == "active",
                s.c.failure_streak >= settings.pause_after_failures,
            )
        )
        .values(
            status="paused",
            paused_at=utcnow(),
            paused_reason=f"{settings.pause_after_failures} consecutive failed deliveries; "
            "fix the endpoint, then POST .../resume",
        )
    )
    if paused.rowcount:
        PAUSED.labels(service).inc()
        log.warning("webhook subscription %s paused after repeated failures", sub_id)
        _tell_owner(conn, sub_id)


def _tell_owner(conn: Any, sub_id: str) -> None:
    """Queue a signed ``webhook.subscription.paused`` notice to the owner's ``notify_url``
    (in the pausing transaction, so it is not lost either)."""
    s = t.subscription
    sub = conn.execute(select(s).where(s.c.id == sub_id)).mappings().one()
    if not sub["notify_url"]:
        return
    now = utcnow()
    body = {
        "type": "webhook.subscription.paused",
        "timestamp": now.isoformat(),
        "data": {
            "subscription_id": sub_id,
            "target_url": sub["target_url"],
            "failure_streak": sub["failure_streak"],
            "reason": sub["paused_reason"],
            "resume": f"POST /webhooks/subscriptions/{sub_id}/resume",
        },
    }
    conn.execute(
        insert(t.delivery).values(
            id="msg_" + uuid.uuid4().hex,
            subscription_id=sub_id,
            sequence=-int(now.timestamp() * 1000),  # notices sort before feed entries
            event_type="webhook.subscription.paused",
            target_url=sub["notify_url"],
            payload=json.dumps(body, separators=(",", ":")),
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )


def send_due(
    engine: Engine,
    http: httpx.Client,
    settings: WebhookSettings,
    service: str,
    pool: ThreadPoolExecutor,
) -> int:
    rows = claim(engine, settings)
    for row, out in zip(rows, pool.map(lambda r: send_one(http, r, settings), rows), strict=True):
        record(engine, row, out, settings, service)
    return len(rows)
