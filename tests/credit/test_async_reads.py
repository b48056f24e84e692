"""Profiles and feed pages read on the async driver (PostgreSQL) equal what the synchronous
path reads: same rows, types and scrubbing, listings and the case's named persons included."""

import asyncio
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from services.credit.service_layer import feed_views, profile_views
from shared.async_reads import AsyncReads
from tests.credit.conftest import HANGZHOU, NINGBO, Clock
from tests.credit.test_api import proposal


def test_async_profiles_and_feed_equal_the_synchronous_ones(
    client: TestClient,
    serious_record: str,
    as_regulator: dict[str, str],
    engine: Engine,
    clock: Clock,
    backend: str,
) -> None:
    if backend != "postgresql":
        pytest.skip("the async driver is PostgreSQL's; SQLite reads in the thread pool")
    listing = client.post("/listings", headers=as_regulator, json=proposal(serious_record)).json()
    clock.today = date(2026, 9, 17)
    assert client.post(f"/listings/{listing['id']}/confirm", headers=as_regulator).is_success
    today = clock.today
    codes = [HANGZHOU, NINGBO, "NOT-REGISTERED"]
    with engine.connect() as conn:
        expected = (
            profile_views.load_profiles(conn, codes, today),
            profile_views.load_profiles(conn, [HANGZHOU], today),
            feed_views.feed(conn, cursor=None, limit=2, today=today),
            feed_views.feed(conn, cursor=None, limit=100, today=today),
        )

    async def read() -> tuple[Any, ...]:
        reads = AsyncReads.for_engine(engine)
        assert reads is not None
        await reads.open()
        try:
            return (
                await profile_views.load_profiles_async(reads, codes, today),
                await profile_views.load_profiles_async(reads, [HANGZHOU], today),
                await feed_views.feed_async(reads, cursor=None, limit=2, today=today),
                await feed_views.feed_async(reads, cursor=None, limit=100, today=today),
            )
        finally:
            await reads.close()

    got = asyncio.run(read())
    many, one, first_page, whole_feed = got
    assert set(many) == {HANGZHOU, NINGBO}
    assert many[HANGZHOU]["dishonesty_list"]["listed"] and many[HANGZHOU]["active_measures"]
    assert "王小明" not in str(many) and "王小明" not in str(whole_feed)  # scrubbed both ways
    assert first_page["has_more"] and len(whole_feed["items"]) >= 2
    assert any(item["entity"] == "listing" for item in whole_feed["items"])
    assert got == expected
