"""The public portal's deployment: its image, its compose service and its Kubernetes resources
(rendered in both overlays, validated strictly, wired to the three APIs and nothing else)."""

from __future__ import annotations

import ast
from typing import Any

import pytest

from services.portal.config import CJK_FONT_CANDIDATES
from tests.deploy.conftest import is_portal
from tests.deploy.helpers import OVERLAYS, ROOT, SERVICES
from tests.deploy.test_deploy_images import final_stage, instructions
from tests.deploy.test_deploy_kubernetes import OLDEST_SUPPORTED_KUBERNETES, matches, pod_labels

DOCKERFILE = ROOT / "services" / "portal" / "Dockerfile"


def test_portal_image() -> None:
    ins = instructions(DOCKERFILE)
    final = final_stage(DOCKERFILE)
    assert len([a for op, a in ins if op == "FROM"]) >= 2
    users = [a for op, a in final if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    env = " ".join(a for op, a in final if op == "ENV")
    assert "PORTAL_HOST=0.0.0.0" in env and "PORTAL_PORT=8004" in env
    assert "HEALTHCHECK_URL=http://127.0.0.1:8004/healthz" in env
    runs = " ".join(a for op, a in final if op == "RUN")
    assert "fonts-wqy-zenhei" in runs and CJK_FONT_CANDIDATES[0].endswith("wqy-zenhei.ttc")
    copies = sorted(a for op, a in final if op == "COPY" and not a.startswith("--from"))
    assert copies == sorted(
        [
            "shared/ shared/",
            "services/__init__.py services/__init__.py",
            "services/portal/ services/portal/",
            "clients/python/qp_client/ qp_client/",
            "verifier-js/verifier.mjs verifier-js/verifier.mjs",
        ]
    )
    assert "['project']['dependencies']" in " ".join(a for _, a in ins)


def test_portal_build_context_holds_what_the_image_copies() -> None:
    """.dockerignore is an allow-list: every COPY source must be re-included by it."""
    included = [
        line.strip()[1:]
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip().startswith("!")
    ]
    sources = [
        a.split()[0] for op, a in instructions(DOCKERFILE) if op == "COPY" and "--from" not in a
    ]
    assert sources
    for source in sources:
        assert any(source.startswith(p) or source == p.rstrip("/") for p in included), source
        assert (ROOT / source).exists(), source


def test_portal_code_imports_no_service() -> None:
    """It reads the services' public APIs only, as an outside portal would."""
    for path in (ROOT / "services" / "portal").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                parts = name.split(".")
                assert not (parts[0] == "services" and parts[1] in SERVICES), (path, name)


def test_portal_in_compose(compose: dict) -> None:
    portal = compose["services"]["portal"]
    env = portal["environment"]
    assert portal["build"]["dockerfile"] == "services/portal/Dockerfile"
    assert portal["read_only"] is True and portal["cap_drop"] == ["ALL"]
    assert env["PORTAL_ENVIRONMENT"] == "prod"
    assert env["PORTAL_SIGNING_KEY"].startswith("${PORTAL_SIGNING_KEY:?")
    # production refuses to start without the tokens' public key (enterprises' own reports)
    assert env["PORTAL_JWT_ALGORITHM"] == "RS256"
    assert env["PORTAL_JWT_PUBLIC_KEY"].startswith("${JWT_PUBLIC_KEY:?")
    for svc, port in SERVICES.items():
        assert env[f"PORTAL_{svc.upper()}_URL"] == f"http://{svc}-api:{port}"
        assert portal["depends_on"][f"{svc}-api"]["condition"] == "service_healthy"
    assert "127.0.0.1:8004/healthz" in " ".join(portal["healthcheck"]["test"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_portal_in_kubernetes(
    rendered_all: dict[str, list[dict]], kubernetes_validate: Any, overlay: str
) -> None:
    docs = rendered_all[overlay]
    mine = [d for d in docs if is_portal(d)]
    for doc in mine:
        for version in (OLDEST_SUPPORTED_KUBERNETES, kubernetes_validate.latest_version()):
            kubernetes_validate.validate(doc, version, strict=True)
    (deployment,) = [d for d in mine if d["kind"] == "Deployment"]
    spec = deployment["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["image"].split(":")[0].endswith("quality-platform/portal")
    assert container["command"] == ["python", "-m", "services.portal.entrypoints.api"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert deployment["spec"]["replicas"] == (1 if overlay == "dev" else 2)
    key = next(e for e in container["env"] if e["name"] == "PORTAL_SIGNING_KEY")
    assert key["valueFrom"]["secretKeyRef"]["name"] == "portal-signing-key"
    jwt = next(e for e in container["env"] if e["name"] == "PORTAL_JWT_PUBLIC_KEY")
    assert jwt["valueFrom"]["configMapKeyRef"]["name"] == "jwt-public-key"
    (config_ref,) = container["envFrom"]
    configs = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ConfigMap"}
    config = configs[config_ref["configMapRef"]["name"]]["data"]
    for svc, port in SERVICES.items():
        assert config[f"PORTAL_{svc.upper()}_URL"] == f"http://{svc}-api:{port}"
    assert config["PORTAL_JWT_ALGORITHM"] == "RS256" and config["PORTAL_ENVIRONMENT"] == "prod"
    _check_network(docs, pod_labels(deployment))


def _check_network(docs: list[dict], portal: dict) -> None:
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    selecting = [p for p in policies if matches(p["spec"]["podSelector"], portal)]
    assert any("ingress" not in p["spec"] and "egress" not in p["spec"] for p in selecting), (
        "default deny covers the portal"
    )
    egress_ports = {
        port["port"]
        for p in selecting
        for rule in p["spec"].get("egress", [])
        for port in rule.get("ports", [])
        if any("podSelector" in peer and "namespaceSelector" not in peer for peer in rule["to"])
    }
    assert set(SERVICES.values()) <= egress_ports
    apis = [
        d
        for d in docs
        if d["kind"] == "Deployment" and pod_labels(d).get("app.kubernetes.io/component") == "api"
    ]
    assert len(apis) == len(SERVICES)
    for api in apis:
        admitted = [
            rule
            for p in policies
            if matches(p["spec"]["podSelector"], pod_labels(api))
            for rule in p["spec"].get("ingress", [])
            if any(
                matches(peer.get("podSelector", {}), portal)
                for peer in rule.get("from", [])
                if "namespaceSelector" not in peer
            )
        ]
        assert admitted, f"{api['metadata']['name']} does not admit the portal"
