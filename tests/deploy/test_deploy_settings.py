"""Every setting a service requires (deploy/required-settings.yaml) reaches every deployed
process of that service: in docker-compose.yml and in both Kubernetes overlays."""

from __future__ import annotations

import pytest

from tests.deploy.helpers import OVERLAYS, SERVICES, components, prefix


def test_required_settings_are_prefixed(required_settings: dict[str, list[str]]) -> None:
    for svc, names in required_settings.items():
        assert names, svc
        assert len(set(names)) == len(names), f"{svc}: duplicates"
        for name in names:
            assert name.startswith(prefix(svc)), f"{svc}: {name} lacks the {prefix(svc)} prefix"
        for setting in (
            "ENVIRONMENT",
            "DATABASE_URL",
            "KAFKA_BOOTSTRAP_SERVERS",
            "JWT_ALGORITHM",
            "JWT_PUBLIC_KEY",
            "JWT_ISSUER",
            "JWT_AUDIENCE",
            "LOG_LEVEL",
            "METRICS_PORT",
            "SERVICE_NAME",
        ):
            assert prefix(svc) + setting in names, f"{svc}: {setting} missing"


@pytest.mark.parametrize("svc", sorted(SERVICES))
def test_compose_provides_required_settings(
    compose: dict, required_settings: dict[str, list[str]], svc: str
) -> None:
    processes = {name: s for name, s in compose["services"].items() if name.startswith(svc + "-")}
    assert set(processes) == {f"{svc}-{c}" for c in (*components(svc), "migrate")}
    for name, service in processes.items():
        provided = set(service["environment"])
        missing = set(required_settings[svc]) - provided
        assert not missing, f"compose service {name} lacks {sorted(missing)}"
        assert service["environment"][prefix(svc) + "ENVIRONMENT"] == "prod"


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("svc", sorted(SERVICES))
def test_kubernetes_provides_required_settings(
    rendered: dict[str, list[dict]],
    required_settings: dict[str, list[str]],
    overlay: str,
    svc: str,
) -> None:
    docs = rendered[overlay]
    configmaps = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ConfigMap"}
    processes = [
        d
        for d in docs
        if d["kind"] in ("Deployment", "Job")
        and d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] == svc
    ]
    assert len(processes) == len(components(svc)) + 1
    for workload in processes:
        for container in workload["spec"]["template"]["spec"]["containers"]:
            provided = {e["name"] for e in container.get("env", [])}
            for source in container.get("envFrom", []):
                cm = configmaps[source["configMapRef"]["name"]]
                provided |= {source.get("prefix", "") + key for key in cm.get("data", {})}
            missing = set(required_settings[svc]) - provided
            assert not missing, (
                f"{overlay}: {workload['kind']}/{workload['metadata']['name']} "
                f"container {container['name']} lacks {sorted(missing)}"
            )
