"""Standard Webhooks signatures (``webhook-id``, ``webhook-timestamp``,
``webhook-signature: v1,<base64 HMAC-SHA256>``), one per active secret during a rotation."""

import base64
import secrets
from datetime import datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign_headers(
    message_id: str, timestamp: datetime, body: str, active_secrets: list[str]
) -> dict[str, str]:
    """The three headers; ``webhook-signature`` carries a signature per secret, space-separated,
    so receivers still holding the previous secret keep verifying during a rotation."""
    if not active_secrets:
        raise ValueError("no active signing secret")
    signatures = " ".join(Webhook(s).sign(message_id, timestamp, body) for s in active_secrets)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
    }
