"""Fault tests run against a PostgreSQL cluster of their own, which they stop and restart."""

import uuid
from collections.abc import Iterator

import pytest

from devtools.testing.private_postgres import PrivatePostgres
from services.registry.config import SERVICE_DIR
from shared.migrations import upgrade


@pytest.fixture(scope="module")
def private_pg() -> Iterator[PrivatePostgres]:
    pg = PrivatePostgres().init()
    pg.start()
    yield pg
    pg.destroy()


@pytest.fixture
def registry_url(private_pg: PrivatePostgres) -> Iterator[str]:
    private_pg.start_if_stopped()
    url = private_pg.create_database(f"registry_{uuid.uuid4().hex[:8]}")
    upgrade(SERVICE_DIR, url)
    yield url
    private_pg.start_if_stopped()  # a test that failed midway leaves it stopped
