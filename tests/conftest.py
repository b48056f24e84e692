"""Fixtures every service's tests share: database backends and the real Kafka-protocol broker.

Every database test runs on SQLite and on PostgreSQL (``backend`` fixture). PostgreSQL must be
reachable: a missing server fails the run instead of silently skipping half the suite.
"""

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings
from sqlalchemy import text

from devtools.testing.broker import TestBroker
from devtools.testing.databases import POSTGRES_ADMIN_URL, postgres_admin

# Property tests assert behaviour, not speed: on a loaded 2-core machine a single example can
# take longer than hypothesis' default 200 ms deadline, which would fail a correct test.
settings.register_profile("default", deadline=None)
settings.load_profile("default")

# Settings default to production. Tests run in `test` (the dev key, SQLite allowed) and, except
# the tests of the limits themselves (which pass their own settings), without rate limiting.
os.environ.setdefault("ENVIRONMENT", "test")
for _prefix in ("REGISTRY_", "INSPECTION_", "CREDIT_"):
    os.environ.setdefault(f"{_prefix}RATE_LIMIT_ENABLED", "false")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        _require_postgres()
    return str(request.param)


_pg_checked = False


def _require_postgres() -> None:
    global _pg_checked
    if _pg_checked:
        return
    try:
        engine = postgres_admin()
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"PostgreSQL is required at {POSTGRES_ADMIN_URL}: {exc}", pytrace=False)
    _pg_checked = True


@pytest.fixture(scope="session")
def broker() -> Iterator[TestBroker]:
    """One real broker per test session (per xdist worker); tests use their own topics."""
    test_broker = TestBroker().start()
    os.environ.setdefault("TEST_BROKER", test_broker.bootstrap)
    yield test_broker
    test_broker.stop()


@pytest.fixture
def own_broker() -> Iterator[TestBroker]:
    """A broker of the test's own, for tests that stop and restart it."""
    test_broker = TestBroker().start()
    yield test_broker
    test_broker.stop()
