"""N API workers (issue 17 item 6): each worker process has its own read cache; a write served
by one worker reaches the other's cache through the change log. Two apps on one database stand
in for two uvicorn workers (no processes started)."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from devtools.testing.kafka import wait_until
from services.registry.config import RegistrySettings
from services.registry.entrypoints.api import create_app
from shared.db import make_engine
from shared.web.serve import parse_serve_arguments


@pytest.fixture
def second_worker(settings: RegistrySettings, engine: Engine) -> Iterator[TestClient]:
    own_engine = make_engine(settings.database_url)  # a worker process has its own pool
    with TestClient(create_app(settings, own_engine), raise_server_exceptions=False) as c:
        yield c
    own_engine.dispose()


def status(worker: TestClient, number: str) -> str:
    return str(worker.get(f"/public/certificates/{number}").json()["status"])


def test_a_write_on_one_worker_reaches_the_other_workers_cache(
    client: TestClient, second_worker: TestClient, issued: str, as_body_a: dict[str, str]
) -> None:
    assert status(second_worker, issued) == "valid"  # now cached by the second worker
    r = client.post(
        f"/certificates/{issued}/suspend",
        headers=as_body_a,
        json={"reason_code": "surveillance_nonconformity", "reason": "audit"},
    )
    assert r.status_code == 200, r.text
    wait_until(lambda: status(second_worker, issued) == "suspended", timeout=5, interval=0.02)


def test_workers_flag_overrides_the_setting(settings: RegistrySettings) -> None:
    parse_serve_arguments(settings, ["--workers", "2", "--port", "9999"])
    assert (settings.workers, settings.port) == (2, 9999)
    with pytest.raises(SystemExit):
        parse_serve_arguments(settings, ["--workers", "0"])
