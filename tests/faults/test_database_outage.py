"""What clients see while PostgreSQL is down: 503 with Retry-After, and the verification cache
keeps answering from its last good entries (with Age) until the database is back."""

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from devtools.testing.private_postgres import PrivatePostgres
from services.registry.config import RegistrySettings
from services.registry.entrypoints.api import create_app
from services.registry.service_layer import views
from shared.cache import ChangeLogCache
from shared.db import make_engine
from tests.registry.conftest import BODY_A, BODY_A_USCC, SIGNER_A, bearer, certificate
from tests.support import app_of

pytestmark = pytest.mark.e2e


def wait_until(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def settle(cache: ChangeLogCache[Any], engine: Engine) -> None:
    """Let the change-log poll pass the issuance (it evicts the certificate once), so the
    entry cached next stays cached."""
    with engine.connect() as conn:
        last = views.last_change_id(conn)
    wait_until(lambda: cache.last_change_id >= last)
    time.sleep(0.2)  # a poll already under way when the id moved


@pytest.fixture
def app_and_engine(registry_url: str) -> Iterator[tuple[TestClient, Engine, RegistrySettings]]:
    settings = RegistrySettings(
        database_url=registry_url, environment="test", cache_refresh_seconds=0.05
    )
    engine = make_engine(registry_url)
    with TestClient(create_app(settings, engine), raise_server_exceptions=False) as client:
        yield client, engine, settings
    engine.dispose()


def issue_certificate(client: TestClient, settings: RegistrySettings, number: str) -> None:
    regulator = bearer(
        settings,
        role="regulator",
        sub="cnca-1",
        authority_level="national",
        region_code="100000",
        department="CNCA",
    )
    if client.get(f"/bodies/{BODY_A}", headers=regulator).status_code == 404:
        r = client.post(
            "/bodies",
            headers=regulator,
            json={
                "id": BODY_A,
                "name": "China Quality Certification Centre",
                "uscc": BODY_A_USCC,
                "region_code": "110000",
                "approved_schemes": ["CCC"],
            },
        )
        assert r.status_code == 201, r.text
        hr = bearer(settings, role="certification_body", sub="hr", body_id=BODY_A)
        r = client.post(f"/bodies/{BODY_A}/personnel", headers=hr, json=SIGNER_A)
        assert r.status_code == 201, r.text
    body = bearer(settings, role="certification_body", sub="cqc-officer", body_id=BODY_A)
    r = client.post("/certificates", headers=body, json=certificate(number))
    assert r.status_code == 201, r.text


def test_outage_answers_503_and_serves_cached_entries(
    app_and_engine: tuple[TestClient, Engine, RegistrySettings], private_pg: PrivatePostgres
) -> None:
    client, engine, settings = app_and_engine
    issue_certificate(client, settings, "CCC-2026-000001")
    cache = app_of(client).state.cache
    settle(cache, engine)
    assert client.get("/public/certificates/CCC-2026-000001").status_code == 200  # cached now

    private_pg.stop()
    try:
        wait_until(lambda: cache.stale_age() is not None)

        cached = client.get("/public/certificates/CCC-2026-000001")
        assert cached.status_code == 200
        assert cached.json()["status"] == "valid"
        assert int(cached.headers["age"]) >= 0

        uncached = client.get("/public/certificates/CCC-2026-999999")
        assert uncached.status_code == 503
        assert uncached.headers["content-type"] == "application/problem+json"
        assert uncached.json()["code"] == "database_unavailable"
        assert int(uncached.headers["retry-after"]) > 0

        body = bearer(settings, role="certification_body", sub="cqc-officer", body_id=BODY_A)
        write = client.post("/certificates", headers=body, json=certificate("CCC-2026-000002"))
        assert write.status_code == 503
        assert "Idempotency-Key" in write.json()["detail"]
    finally:
        private_pg.start()

    wait_until(lambda: cache.stale_age() is None)
    fresh = client.get("/public/certificates/CCC-2026-000001")
    assert fresh.status_code == 200 and "age" not in fresh.headers
    issue_certificate(client, settings, "CCC-2026-000002")  # writes work again
    assert client.get("/public/certificates/CCC-2026-000002").status_code == 200


def test_cache_stops_serving_past_its_staleness_bound(
    app_and_engine: tuple[TestClient, Engine, RegistrySettings], private_pg: PrivatePostgres
) -> None:
    client, engine, settings = app_and_engine
    issue_certificate(client, settings, "CCC-2026-000003")
    cache = app_of(client).state.cache
    settle(cache, engine)
    assert client.get("/public/certificates/CCC-2026-000003").status_code == 200
    cache.stale_limit = 0.5

    private_pg.stop()
    try:
        wait_until(lambda: (cache.stale_age() or 0) > 0.5)
        wait_until(lambda: client.get("/public/certificates/CCC-2026-000003").status_code == 503)
    finally:
        private_pg.start()
    wait_until(lambda: client.get("/public/certificates/CCC-2026-000003").status_code == 200)
