"""Issue 18: /readyz recovers by itself when the broker comes back on a new address, whether
the configuration (a mounted bootstrap file) or DNS says where (real test broker)."""

import socket
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from devtools.testing.broker import TestBroker, free_port
from services.registry.config import RegistrySettings
from services.registry.entrypoints.api import create_app

pytestmark = pytest.mark.broker


def _broker_check(client: TestClient) -> tuple[int, str]:
    r = client.get("/readyz")
    return r.status_code, r.json()["checks"]["broker"]


def test_readiness_follows_a_bootstrap_file_changed_at_run_time(
    settings: RegistrySettings, engine: Engine, broker: TestBroker, tmp_path: Path
) -> None:
    servers = tmp_path / "bootstrap"
    servers.write_text(f"127.0.0.1:{free_port()}\n")  # the old address: nobody listens there
    moved = settings.model_copy(update={"kafka_bootstrap_servers_file": str(servers)})
    with TestClient(create_app(moved, engine), raise_server_exceptions=False) as client:
        assert _broker_check(client) == (503, "unreachable")
        servers.write_text(f"{broker.bootstrap}\n")  # the operator points it at the new one
        assert _broker_check(client) == (200, "ok")


def test_readiness_resolves_the_broker_name_again_on_every_check(
    settings: RegistrySettings,
    engine: Engine,
    broker: TestBroker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = "kafka.moved.test"
    address = {"ip": "127.0.0.2"}  # the broker's old address (the test broker is on .1)
    real = socket.getaddrinfo

    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        return real(address["ip"] if host == name else host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    by_name = settings.model_copy(update={"kafka_bootstrap_servers": f"{name}:{broker.port}"})
    with TestClient(create_app(by_name, engine), raise_server_exceptions=False) as client:
        assert _broker_check(client) == (503, "unreachable")
        address["ip"] = "127.0.0.1"  # DNS now names the broker's new address
        assert _broker_check(client) == (200, "ok")
