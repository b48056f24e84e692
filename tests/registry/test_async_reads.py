"""The verification misses read on the async driver give exactly the records the synchronous
path gives (types included: UTC timestamps, dates, sanctions)."""

import asyncio

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from services.registry.service_layer import views
from shared.async_reads import AsyncReads
from tests.registry.conftest import certificate
from tests.registry.test_joint_punishment import APPLIED, consumer


def test_async_records_equal_the_synchronous_ones(
    client: TestClient, issued: str, as_body_a: dict[str, str], engine: Engine, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("the async driver is PostgreSQL's; SQLite reads in the thread pool")
    second = certificate("CCC-2026-000002")
    assert client.post("/certificates", headers=as_body_a, json=second).status_code == 201
    consumer(engine).handle_raw(APPLIED.read_bytes())  # the holder gets an active sanction
    numbers = [issued, "CCC-2026-000002", "NO-SUCH-NUMBER"]
    with engine.connect() as conn:
        expected_many = views.load_records(conn, numbers)
        expected_one = views.load_records(conn, [issued])

    async def read() -> tuple[dict, dict]:
        reads = AsyncReads.for_engine(engine)
        assert reads is not None
        await reads.open()
        try:
            return (
                await views.load_records_async(reads, numbers),
                await views.load_records_async(reads, [issued]),
            )
        finally:
            await reads.close()

    many, one = asyncio.run(read())
    assert set(many) == {issued, "CCC-2026-000002"}
    assert many[issued]["sanctions"], "the sanction joined in"
    assert many[issued]["status_changed_at"].utcoffset().total_seconds() == 0
    assert many == expected_many and one == expected_one
    assert [type(v) for v in many[issued].values()] == [
        type(v) for v in expected_many[issued].values()
    ]
