"""Rate-limit counters shared across workers through Redis (shared.web.limits).

Two app instances stand for two workers (or replicas) of one service: with
``rate_limit_storage=redis://...`` they draw on one budget per client; with the embedded
``memory://`` default each counts alone. Redis runs on 127.0.0.1:6379 here and in CI
(``TEST_REDIS_URL`` overrides); the shared-budget tests skip only when it is unreachable.
"""

import hashlib
import os
import uuid
from collections.abc import Iterator

import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shared.settings import ServiceSettings
from shared.web.limits import RateLimiter
from shared.web.problems import install_problem_handlers

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _app(storage: str, service: str) -> FastAPI:
    settings = ServiceSettings(
        environment="test",
        service_name=service,
        rate_limit_enabled=True,
        rate_limit_public="4/minute",
        rate_limit_portal="6/minute",
        rate_limit_storage=storage,
        portal_api_keys={"zj-portal": hashlib.sha256(b"s3cret").hexdigest()},
    )
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RateLimiter, settings=settings)

    @app.get("/public/x")
    def public_x() -> dict:
        return {}

    return app


@pytest.fixture
def service() -> Iterator[str]:
    """A service name of its own, so that runs never share counters; its keys removed after."""
    try:
        r = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        r.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    keys = list(r.scan_iter(f"qp-rate-limit:{name}*"))
    if keys:
        r.delete(*keys)
    r.close()


def _codes(client: TestClient, n: int, **headers: str) -> list[int]:
    return [client.get("/public/x", headers=headers).status_code for _ in range(n)]


def test_two_instances_share_one_budget_in_redis(service: str) -> None:
    with (
        TestClient(_app(REDIS_URL, service)) as worker_1,
        TestClient(_app(REDIS_URL, service)) as worker_2,
    ):
        assert _codes(worker_1, 3) == [200, 200, 200]
        assert _codes(worker_2, 2) == [200, 429]  # the 4th request of the client, then over
        r = worker_1.get("/public/x")
        assert r.status_code == 429 and r.json()["code"] == "rate_limited"
        assert 1 <= int(r.headers["retry-after"]) <= 60
        # the portal tier is its own budget, shared too
        assert _codes(worker_1, 4, **{"X-API-Key": "s3cret"}) == [200] * 4
        assert _codes(worker_2, 3, **{"X-API-Key": "s3cret"}) == [200, 200, 429]


def test_services_do_not_share_budgets(service: str) -> None:
    with (
        TestClient(_app(REDIS_URL, service)) as registry,
        TestClient(_app(REDIS_URL, f"{service}-other")) as credit,
    ):
        assert _codes(registry, 5) == [200] * 4 + [429]
        assert _codes(credit, 1) == [200]


def test_memory_storage_counts_per_process() -> None:
    with (
        TestClient(_app("memory://", "a")) as worker_1,
        TestClient(_app("memory://", "a")) as worker_2,
    ):
        assert _codes(worker_1, 5) == [200] * 4 + [429]
        assert _codes(worker_2, 4) == [200] * 4


def test_an_unreachable_redis_lets_requests_through() -> None:
    with TestClient(_app("redis://127.0.0.1:1/0", "down")) as client:
        assert _codes(client, 6) == [200] * 6
