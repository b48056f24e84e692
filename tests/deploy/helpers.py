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
