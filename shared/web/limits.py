"""Per-client rate limits on the public side (the `limits` library), 429 with Retry-After.

Who is limited: every request to a ``/public/`` route, and every request without a bearer token
(the anonymous side of every route). Probes (/healthz, /readyz, /metrics) are never limited.
Clients are told apart by their portal API key (``X-API-Key``: the portal tier, higher limit)
or else by their IP address; behind a reverse proxy listed in ``rate_limit_trusted_proxies`` the
address is taken from ``X-Forwarded-For``.

Where the counters live (``rate_limit_storage``): ``memory://`` (the embedded default) counts per
process, so N workers allow N times the budget; ``redis://host:6379/0`` (or ``rediss://``) keeps
one budget per client across every worker and replica of the service (the redis-py client,
keys prefixed with the service's name). When Redis cannot be reached the request is let
through and a warning logged (``rate_limit_storage_errors_total``): the limits protect the
service, an outage of their store must not take it down.
"""

import hashlib
import hmac
import logging
import math
import time
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from prometheus_client import Counter

from shared.settings import ServiceSettings
from shared.web.guard import ASGIApp, Receive, Scope, Send, header
from shared.web.problems import problem

log = logging.getLogger(__name__)

UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
API_KEY_HEADER = b"x-api-key"
REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://")
REDIS_TIMEOUT_SECONDS = 0.5
STORAGE_ERRORS = Counter(
    "rate_limit_storage_errors",
    "Requests let through because the rate-limit storage (Redis) failed",
)


def limit_storage(uri: str, namespace: str) -> Storage:
    """The async ``limits`` storage for ``uri``: memory (per process) or Redis (shared)."""
    uri = uri.removeprefix("async+")
    options: dict[str, Any] = {}
    if uri.startswith(REDIS_SCHEMES):
        options = {
            "implementation": "redispy",
            "key_prefix": f"qp-rate-limit:{namespace}",
            "socket_timeout": REDIS_TIMEOUT_SECONDS,
            "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
        }
    storage = storage_from_string(f"async+{uri}", **options)
    if not isinstance(storage, Storage):
        raise ValueError(f"rate_limit_storage {uri!r} has no asyncio storage")
    return storage


def api_key_digest(key: str) -> str:
    """What is configured in ``portal_api_keys``: the SHA-256 hex digest of the key."""
    return hashlib.sha256(key.encode()).hexdigest()


class RateLimiter:
    def __init__(self, app: ASGIApp, *, settings: ServiceSettings) -> None:
        self.app = app
        self.enabled = settings.rate_limit_enabled
        self.public: RateLimitItem = parse(settings.rate_limit_public)
        self.portal: RateLimitItem = parse(settings.rate_limit_portal)
        self.portals = {digest.lower(): name for name, digest in settings.portal_api_keys.items()}
        self.trusted_proxies = frozenset(settings.rate_limit_trusted_proxies)
        self.storage = limit_storage(settings.rate_limit_storage, settings.service_name)
        self.limiter = MovingWindowRateLimiter(self.storage)

    def _portal(self, key: str) -> str | None:
        digest = api_key_digest(key)
        for known, name in self.portals.items():
            if hmac.compare_digest(known, digest):
                return name
        return None

    def client_address(self, scope: Scope) -> str:
        peer = (scope.get("client") or ("unknown", 0))[0]
        if peer not in self.trusted_proxies:
            return str(peer)
        forwarded = [a.strip() for a in (header(scope, b"x-forwarded-for") or "").split(",")]
        for address in reversed(forwarded):  # the last hop our own proxies did not add
            if address and address not in self.trusted_proxies:
                return address
        return str(peer)

    def _limited(self, scope: Scope) -> bool:
        path = scope["path"]
        if path in UNLIMITED_PATHS:
            return False
        return path.startswith("/public/") or header(scope, b"authorization") is None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.enabled or not self._limited(scope):
            await self.app(scope, receive, send)
            return
        refusal = await self._check(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _check(self, scope: Scope) -> Any:
        api_key = header(scope, API_KEY_HEADER)
        if api_key is not None:
            portal = self._portal(api_key)
            if portal is None:
                return problem(401, "invalid_api_key", "Unknown API key", "X-API-Key is not known")
            item, client = self.portal, f"portal:{portal}"
        else:
            item, client = self.public, f"ip:{self.client_address(scope)}"
        try:
            if await self.limiter.hit(item, client):
                return None
            stats = await self.limiter.get_window_stats(item, client)
        except Exception as exc:  # the store is down: serve rather than fail
            STORAGE_ERRORS.inc()
            log.warning("rate-limit storage unavailable, request let through: %s", exc)
            return None
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        return problem(
            429,
            "rate_limited",
            "Too many requests",
            f"at most {item} per client; retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
