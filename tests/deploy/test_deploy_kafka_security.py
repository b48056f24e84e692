"""Issue 10: Kafka clients authenticate and each service may write only its own topic
(docker compose ACLs from kafka-init; Strimzi KafkaUsers in Kubernetes)."""

import re

import pytest
import yaml

from tests.deploy.helpers import OVERLAYS, ROOT, SERVICES, prefix
from tests.deploy.test_deploy_kubernetes import by_name, kinds, pod_spec, workloads

# The topics each service's consumer reads: besides its own events and dead letters, a service
# writes only the confirmations of what it consumed (shared/consumer_positions.py).
CONSUMES = {
    "registry": ("credit.events",),
    "inspection": ("credit.events", "registry.events"),
    "credit": ("inspection.events", "registry.events"),
}


def _writes_only_own(svc: str, written: set[str]) -> None:
    confirmations = {f"_confirmed.{topic}" for topic in CONSUMES[svc]}
    assert written == {f"{svc}.events", f"{svc}-consumer.dlq", *confirmations}, (svc, written)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kubernetes_kafka_users_and_acls(rendered: dict[str, list[dict]], overlay: str) -> None:
    docs = rendered[overlay]
    (kafka,) = kinds(docs, "Kafka")
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    for listener in kafka["spec"]["kafka"]["listeners"]:
        assert listener["authentication"]["type"] == "scram-sha-512", listener["name"]
    assert "userOperator" in kafka["spec"]["entityOperator"]
    users = by_name(docs, "KafkaUser")
    assert set(users) == set(SERVICES)
    for svc, user in users.items():
        assert user["spec"]["authentication"]["type"] == "scram-sha-512"
        written = {
            acl["resource"]["name"]
            for acl in user["spec"]["authorization"]["acls"]
            if acl["resource"]["type"] == "topic" and {"Write", "All"} & set(acl["operations"])
        }
        _writes_only_own(svc, written)
        assert all(
            a["resource"]["patternType"] == "literal" for a in user["spec"]["authorization"]["acls"]
        )
    configmaps = by_name(docs, "ConfigMap")
    for w in workloads(docs):
        (c,) = pod_spec(w)["containers"]
        svc = w["metadata"]["labels"]["app.kubernetes.io/name"]
        data: dict[str, str] = {}
        for source in c["envFrom"]:
            data.update(configmaps[source["configMapRef"]["name"]]["data"])
        assert data[prefix(svc) + "KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
        assert data[prefix(svc) + "KAFKA_SASL_USERNAME"] == svc
        env = {e["name"]: e for e in c["env"]}
        ref = env[prefix(svc) + "KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": svc, "key": "password"}, w["metadata"]["name"]


def test_compose_kafka_requires_sasl_and_acls() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = compose["services"]["kafka"]["environment"]
    assert set(env["KAFKA_LISTENERS"].split(",")) == {
        "SASL_PLAINTEXT://:9092",
        "CONTROLLER://:9093",
    }
    assert env["KAFKA_AUTHORIZER_CLASS_NAME"].endswith("StandardAuthorizer")
    assert env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    jaas = env["KAFKA_LISTENER_NAME_SASL_PLAINTEXT_PLAIN_SASL_JAAS_CONFIG"]
    for svc in SERVICES:
        assert f'user_{svc}="${{{prefix(svc)}KAFKA_PASSWORD:?' in jaas
    script = compose["services"]["kafka-init"]["command"][0]
    written: dict[str, set[str]] = {svc: set() for svc in SERVICES}
    for line in script.splitlines():
        m = re.match(r'\s*acl "?\$?\$?(\w+)"? (.*)', line)
        if not m or "Write" not in m.group(2):
            continue
        topics = set(re.findall(r'--topic "?([\w.$-]+)"?', m.group(2)))
        users = SERVICES if m.group(1) == "svc" else [m.group(1)]
        for svc in users:
            written[svc] |= {t.replace("$$svc", svc) for t in topics}
    for svc in SERVICES:
        _writes_only_own(svc, written[svc])
    for svc in SERVICES:
        service_env = compose["services"][f"{svc}-relay"]["environment"]
        assert service_env[prefix(svc) + "KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
        assert service_env[prefix(svc) + "KAFKA_SASL_USERNAME"] == svc
