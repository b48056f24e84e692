"""The verification misses read on the async driver give exactly the records the synchronous
path gives (types included: UTC timestamps, dates, sanctions)."""

import asyncio
import gc

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from services.registry.config import RegistrySettings
from services.registry.entrypoints.api import create_app
from services.registry.entrypoints.cache import rendered_with_status
from services.registry.service_layer import views
from shared.async_reads import AsyncReads
from tests.registry.conftest import OTHER_HOLDER, certificate
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


def test_cached_records_are_not_tracked_by_the_garbage_collector(
    client: TestClient, issued: str, as_body_a: dict[str, str], engine: Engine
) -> None:
    """A cache of 100,000 tracked records makes every full collection scan them (a p99 tail of
    hundreds of ms): a record holds only strings, dates and tuples, and is never tracked."""
    consumer(engine).handle_raw(APPLIED.read_bytes())  # the holder of ``issued`` is sanctioned
    other = certificate("CCC-2026-000002", holder_uscc=OTHER_HOLDER)
    assert client.post("/certificates", headers=as_body_a, json=other).status_code == 201
    with engine.connect() as conn:
        records = views.load_records(conn, [issued, "CCC-2026-000002"])
    for record in records.values():
        rendered_with_status(record)
    assert len(records[issued]["sanctions"]) == 1
    assert not gc.is_tracked(records["CCC-2026-000002"])  # without a collection
    gc.collect()
    gc.collect()
    assert not gc.is_tracked(records[issued]["sanctions"])  # the sanctions tuple, once collected


def test_start_up_objects_are_left_out_of_collections_while_serving(
    settings: RegistrySettings, engine: Engine
) -> None:
    gc.unfreeze()
    with TestClient(create_app(settings, engine)):
        assert gc.get_freeze_count() > 10_000  # modules, routes, schemas
    assert gc.get_freeze_count() == 0  # a test process can collect its apps
