"""Fixtures every service's tests share: database backends and the real Kafka-protocol broker.

Every database test runs on SQLite and on PostgreSQL (``backend`` fixture). PostgreSQL must be
reachable: a missing server fails the run instead of silently skipping half the suite.
"""

import os
import re
from collections.abc import Iterator

import pytest
from hypothesis import settings
from sqlalchemy import text
from xdist.scheduler import LoadGroupScheduling

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


# Tests that share one expensive running system (9 processes and a broker, seeded) run on one
# xdist worker, so that system starts once per run and stops when its tests are done (the
# fixtures are package-scoped). Keyed by path prefix, because the scheduler runs in the
# controller, which never collects: xdist's own `xdist_group` marks rewrite `item._nodeid`,
# which pytest 9.2 no longer reads (every worker then started its own copy of each system).
XDIST_GROUPS = {
    "tests/clients/test_cli.py": "kit",
    "tests/clients/test_client_live.py": "kit",
    "tests/clients/test_mirror.py": "kit",
    "tests/clients/test_readme.py": "kit",
    "tests/clients/test_webhooks_live.py": "kit",
    "tests/e2e/": "e2e",
    "tests/portal/test_browser.py": "portal",
    "tests/portal/test_pages.py": "portal",
    "tests/portal/test_reports.py": "portal",
    "tests/portal/test_smoke.py": "portal",
}


# Groups whose system is parametrised by database: one group per database, so the SQLite and
# the PostgreSQL system start on two workers at once instead of one after the other.
GROUPS_PER_DATABASE = {"kit"}
_DATABASE_PARAM = re.compile(r"\[(sqlite|postgresql)\]$")


def xdist_group_of(nodeid: str) -> str | None:
    group = next((g for prefix, g in XDIST_GROUPS.items() if nodeid.startswith(prefix)), None)
    database = _DATABASE_PARAM.search(nodeid)
    if group in GROUPS_PER_DATABASE and database:
        return f"{group}-{database.group(1)}"
    return group


class PathGroupScheduling(LoadGroupScheduling):
    """`--dist loadgroup` with the groups of ``XDIST_GROUPS``; every other test is its own unit."""

    def _split_scope(self, nodeid: str) -> str:
        return xdist_group_of(nodeid) or nodeid


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> LoadGroupScheduling | None:
    if config.getvalue("dist") != "loadgroup":
        return None
    return PathGroupScheduling(config, log)


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
