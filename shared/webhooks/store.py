"""Subscriptions: creation with an API key and a signing secret, rotation, pause and resume."""

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, RowMapping

from shared.clock import as_utc, utcnow
from shared.exceptions import NotFound
from shared.webhooks import schema as t
from shared.webhooks.signing import new_secret

API_KEY_PREFIX = "qpk_"


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


@dataclass(frozen=True)
class NewSubscription:
    target_url: str
    notify_url: str | None
    event_types: list[str]
    certificates: list[str]
    usccs: list[str]
    description: str


def create(conn: Connection, new: NewSubscription, head: int) -> dict[str, Any]:
    """Store a subscription that receives entries after ``head``; return it with its API key
    and signing secret (shown this once: only the key's hash is stored)."""
    api_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    secret = new_secret()
    now = utcnow()
    row = {
        "id": str(uuid.uuid4()),
        "api_key_hash": hash_key(api_key),
        "target_url": new.target_url,
        "notify_url": new.notify_url,
        "event_types": json.dumps(sorted(set(new.event_types))),
        "certificates": json.dumps(sorted(set(new.certificates))),
        "usccs": json.dumps(sorted(set(new.usccs))),
        "secrets": json.dumps(
            [{"secret": secret, "created_at": now.isoformat(), "expires_at": None}]
        ),
        "status": "active",
        "failure_streak": 0,
        "paused_at": None,
        "paused_reason": None,
        "description": new.description,
        "start_after": head,
        "created_at": now,
    }
    conn.execute(t.subscription.insert().values(**row))
    return {**public_view(row), "api_key": api_key, "secret": secret}


def by_key(conn: Connection, subscription_id: str, api_key: str | None) -> RowMapping:
    """The subscription if ``api_key`` is its key; 404 otherwise (no probing of ids)."""
    row = (
        conn.execute(
            select(t.subscription).where(
                t.subscription.c.id == subscription_id,
                t.subscription.c.api_key_hash == hash_key(api_key or ""),
                t.subscription.c.status != "deleted",
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("no such subscription for this API key", code="subscription_not_found")
    return row


def public_view(row: RowMapping | dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "target_url": row["target_url"],
        "notify_url": row["notify_url"],
        "event_types": json.loads(row["event_types"]),
        "certificates": json.loads(row["certificates"]),
        "usccs": json.loads(row["usccs"]),
        "status": row["status"],
        "failure_streak": row["failure_streak"],
        "paused_at": row["paused_at"],
        "paused_reason": row["paused_reason"],
        "description": row["description"],
        "start_after": row["start_after"],
        "created_at": row["created_at"],
        "secrets": [
            {"created_at": s["created_at"], "expires_at": s["expires_at"]}
            for s in json.loads(row["secrets"])
        ],
    }


def active_secrets(row: RowMapping | dict[str, Any], now: datetime) -> list[str]:
    return [
        s["secret"]
        for s in json.loads(row["secrets"])
        if s["expires_at"] is None or as_utc(datetime.fromisoformat(s["expires_at"])) > now
    ]


def rotate(conn: Connection, row: RowMapping, overlap: timedelta) -> str:
    """A new secret signs from now on; the current ones keep signing for ``overlap``."""
    now = utcnow()
    keep = [
        {**s, "expires_at": s["expires_at"] or (now + overlap).isoformat()}
        for s in json.loads(row["secrets"])
        if s["expires_at"] is None or as_utc(datetime.fromisoformat(s["expires_at"])) > now
    ]
    secret = new_secret()
    keep.append({"secret": secret, "created_at": now.isoformat(), "expires_at": None})
    conn.execute(
        update(t.subscription)
        .where(t.subscription.c.id == row["id"])
        .values(secrets=json.dumps(keep))
    )
    return secret


def set_status(conn: Connection, subscription_id: str, status: str, reason: str | None) -> None:
    values: dict[str, Any] = {"status": status}
    if status == "paused":
        values.update(paused_at=utcnow(), paused_reason=reason)
    else:
        values.update(paused_at=None, paused_reason=None, failure_streak=0)
    conn.execute(
        update(t.subscription).where(t.subscription.c.id == subscription_id).values(**values)
    )
