"""Constants and helpers shared by the deployment tests (tests/deploy)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
OVERLAYS = ("dev", "prod")
SERVICES = {"registry": 8001, "inspection": 8002, "credit": 8003}
WORKERS = ("relay", "consumer", "scheduler")
COMPONENTS = ("api", *WORKERS)
# The webhook delivery worker (issue 16) runs for the services that have one
# (services/<svc>/entrypoints/webhooks.py): it reads the outbox-fed delivery tables, never Kafka.
WEBHOOKS = "webhooks"
WEBHOOK_SERVICES = tuple(
    svc for svc in SERVICES if (ROOT / "services" / svc / "entrypoints" / "webhooks.py").exists()
)
ALL_WORKERS = (*WORKERS, WEBHOOKS)
# Addresses a webhook worker must never reach (SSRF, defence in depth beside the URL check).
PRIVATE_RANGES = {
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "100.64.0.0/10",
}


def workers(svc: str) -> tuple[str, ...]:
    """The long-running worker processes of a service."""
    return (*WORKERS, WEBHOOKS) if svc in WEBHOOK_SERVICES else WORKERS


def components(svc: str) -> tuple[str, ...]:
    """Every Deployment of a service: its API and its workers."""
    return ("api", *workers(svc))


TOPICS = {
    "registry.events",
    "inspection.events",
    "credit.events",
    "registry-consumer.dlq",
    "inspection-consumer.dlq",
    "credit-consumer.dlq",
}
INSTALL_HINT = "run deploy/tools/install-validators.sh (make test does)"


def prefix(service: str) -> str:
    return service.upper() + "_"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def fail_missing(what: str) -> NoReturn:
    pytest.fail(f"{what} is not installed: {INSTALL_HINT}", pytrace=False)
