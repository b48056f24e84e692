"""The Kubernetes manifests: every overlay renders with `kubectl kustomize`, the core resources
pass kubernetes-validate (strict) for current Kubernetes versions, the custom resources
(Strimzi, CloudNativePG, Prometheus Operator) have the structure their operators require, and
the resources reference each other consistently."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.deploy.helpers import (
    ALL_WORKERS,
    DEPLOY,
    OVERLAYS,
    PRIVATE_RANGES,
    SERVICES,
    TOPICS,
    WEBHOOKS,
    components,
    load_yaml,
    prefix,
)

# kubernetes-validate is checked against the newest Kubernetes it knows and against the oldest
# release we support, so nothing removed or not yet available slips in.
OLDEST_SUPPORTED_KUBERNETES = "1.33"

CRD_KINDS = {
    ("kafka.strimzi.io/v1beta2", "Kafka"),
    ("kafka.strimzi.io/v1beta2", "KafkaNodePool"),
    ("kafka.strimzi.io/v1beta2", "KafkaTopic"),
    ("kafka.strimzi.io/v1beta2", "KafkaUser"),
    ("postgresql.cnpg.io/v1", "Cluster"),
    ("postgresql.cnpg.io/v1", "Database"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
    ("monitoring.coreos.com/v1", "PodMonitor"),
    ("monitoring.coreos.com/v1", "PrometheusRule"),
}

# Created by the operator of the cluster, never committed (deploy/README.md).
EXTERNAL_SECRETS = {
    **{f"{svc}-db-credentials": {"username", "password"} for svc in SERVICES},
    # made by Strimzi's User Operator for the KafkaUser of the same name (kafka/users.yaml)
    **{svc: {"password", "sasl.jaas.config"} for svc in SERVICES},
    "redis-credentials": {"password"},  # the APIs' rate-limit Redis (redis/redis.yaml)
}
EXTERNAL_CONFIGMAPS = {"jwt-public-key": {"public.pem"}}


def kinds(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def by_name(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in kinds(docs, kind)}


def workloads(docs: list[dict]) -> list[dict]:
    return [d for d in docs if d["kind"] in ("Deployment", "Job")]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def pod_labels(workload: dict[str, Any]) -> dict[str, Any]:
    labels: dict[str, Any] = workload["spec"]["template"]["metadata"]["labels"]
    return labels


def matches(selector: dict, labels: dict) -> bool:
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions", []):
        present = expr["key"] in labels
        value = labels.get(expr["key"])
        op = expr["operator"]
        if op == "In" and value not in expr["values"]:
            return False
        if op == "NotIn" and value in expr["values"]:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


# ---- rendering and schema validation ---------------------------------------------------------
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders(rendered: dict[str, list[dict]], overlay: str) -> None:
    docs = rendered[overlay]
    counts = Counter(d["kind"] for d in docs)
    assert counts["Deployment"] == sum(len(components(svc)) for svc in SERVICES)
    assert counts["Job"] == len(SERVICES)
    assert counts["HorizontalPodAutoscaler"] == len(SERVICES)
    for kind in (
        "Namespace",
        "Kafka",
        "KafkaNodePool",
        "Cluster",
        "ServiceMonitor",
        "PrometheusRule",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "ConfigMap",
    ):
        assert counts[kind] >= 1, f"{overlay} renders no {kind}"
    assert counts["KafkaTopic"] == len(TOPICS)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_core_resources_pass_kubernetes_validate(
    rendered: dict[str, list[dict]], kubernetes_validate: Any, overlay: str
) -> None:
    latest = kubernetes_validate.latest_version()
    assert tuple(map(int, latest.split(".")[:2])) >= (1, 33), (
        f"kubernetes-validate knows Kubernetes up to {latest} only: upgrade it"
    )
    errors = []
    validated = 0
    for doc in rendered[overlay]:
        if (doc["apiVersion"], doc["kind"]) in CRD_KINDS:
            continue  # validated by test_custom_resources_are_well_formed
        for version in (OLDEST_SUPPORTED_KUBERNETES, latest):
            try:
                kubernetes_validate.validate(doc, version, strict=True)
                validated += 1
            except kubernetes_validate.ValidationError as e:
                path = ".".join(str(p) for p in e.path)
                errors.append(
                    f"{doc['kind']}/{doc['metadata']['name']} (k8s {version}): {path}: {e.message}"
                )
            except kubernetes_validate.SchemaNotFoundError as e:
                errors.append(f"unknown kind {doc['apiVersion']} {doc['kind']}: {e.message}")
    assert not errors, "\n".join(errors)
    core = [d for d in rendered[overlay] if (d["apiVersion"], d["kind"]) not in CRD_KINDS]
    assert len(core) >= 45 and validated == 2 * len(core)


def test_kubernetes_validate_rejects_a_broken_deployment(
    rendered: dict[str, list[dict]], kubernetes_validate: Any
) -> None:
    """Guards the guard: strict validation must notice a misspelt field."""
    deployment = json.loads(json.dumps(kinds(rendered["prod"], "Deployment")[0]))
    container = pod_spec(deployment)["containers"][0]
    container["livenesProbe"] = container.pop("livenessProbe", {})
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, kubernetes_validate.latest_version(), strict=True)


# Structural schemas of the custom resources: the fields their operators require, with types.
_INT = {"type": "integer"}
_STR = {"type": "string", "minLength": 1}
_LABELLED_CLUSTER = {
    "type": "object",
    "required": ["labels"],
    "properties": {"labels": {"type": "object", "required": ["strimzi.io/cluster"]}},
}
CRD_SCHEMAS: dict[str, dict] = {
    "Kafka": {
        "type": "object",
        "required": ["spec"],
        "properties": {
            "spec": {
                "type": "object",
                "required": ["kafka", "entityOperator"],
                "properties": {
                    "kafka": {
                        "type": "object",
                        "required": ["listeners"],
                        "not": {"required": ["replicas"]},  # node pools own replicas and storage
                        "properties": {
                            "listeners": {
                                "type": "array",
                                "minItems": 1,
                                "items": {
                                    "type": "object",
                                    "required": ["name", "port", "type", "tls"],
                                    "properties": {
                                        "name": {"type": "string", "pattern": "^[a-z0-9]{1,11}$"},
                                        "port": {"type": "integer", "minimum": 9092},
                                        "type": {
                                            "enum": [
                                                "internal",
                                                "route",
                                                "loadbalancer",
                                                "nodeport",
                                                "ingress",
                                                "cluster-ip",
                                            ]
                                        },
                                        "tls": {"type": "boolean"},
                                    },
                                },
                            },
                            "config": {"type": "object"},
                        },
                    }
                },
            }
        },
    },
    "KafkaNodePool": {
        "type": "object",
        "required": ["metadata", "spec"],
        "properties": {
            "metadata": _LABELLED_CLUSTER,
            "spec": {
                "type": "object",
                "required": ["replicas", "roles", "storage"],
                "properties": {
                    "replicas": {"type": "integer", "minimum": 1},
                    "roles": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"enum": ["controller", "broker"]},
                    },
                    "storage": {
                        "type": "object",
                        "required": ["type"],
                        "properties": {"type": {"enum": ["jbod", "ephemeral", "persistent-claim"]}},
                    },
                },
            },
        },
    },
    "KafkaTopic": {
        "type": "object",
        "required": ["metadata", "spec"],
        "properties": {
            "metadata": _LABELLED_CLUSTER,
            "spec": {
                "type": "object",
                "required": ["partitions", "replicas"],
                "properties": {
                    "topicName": _STR,
                    "partitions": {"type": "integer", "minimum": 1},
                    "replicas": {"type": "integer", "minimum": 1, "maximum": 32767},
                    "config": {"type": "object"},
                },
            },
        },
    },
    "Cluster": {
        "type": "object",
        "required": ["spec"],
        "properties": {
            "spec": {
                "type": "object",
                "required": ["instances", "storage"],
                "properties": {
                    "instances": {"type": "integer", "minimum": 1},
                    "storage": {
                        "type": "object",
                        "required": ["size"],
                        "properties": {
                            "size": {"type": "string", "pattern": r"^[0-9]+(Mi|Gi|Ti)$"}
                        },
                    },
                    "postgresql": {
                        "type": "object",
                        "properties": {
                            "parameters": {
                                "type": "object",
                                "additionalProperties": {"type": "string"},
                            },
                            "pg_hba": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                    "managed": {
                        "type": "object",
                        "properties": {
                            "roles": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["name"],
                                    "properties": {
                                        "name": _STR,
                                        "login": {"type": "boolean"},
                                        "ensure": {"enum": ["present", "absent"]},
                                        "passwordSecret": {"type": "object", "required": ["name"]},
                                    },
                                },
                            }
                        },
                    },
                },
            }
        },
    },
    "Database": {
        "type": "object",
        "required": ["spec"],
        "properties": {
            "spec": {
                "type": "object",
                "required": ["name", "owner", "cluster"],
                "properties": {
                    "name": _STR,
                    "owner": _STR,
                    "ensure": {"enum": ["present", "absent"]},
                    "cluster": {"type": "object", "required": ["name"]},
                },
            }
        },
    },
    "ServiceMonitor": {
        "type": "object",
        "required": ["spec"],
        "properties": {
            "spec": {
                "type": "object",
                "required": ["selector", "endpoints"],
                "properties": {
                    "endpoints": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["port"],
                            "properties": {
                                "port": _STR,
                                "path": _STR,
                                "interval": _STR,
                                "honorLabels": {"type": "boolean"},
                            },
                        },
                    }
                },
            }
        },
    },
    "PodMonitor": {
        "type": "object",
        "required": ["spec"],
        "properties": {
            "spec": {
                "type": "object",
                "required": ["selector", "podMetricsEndpoints"],
                "properties": {
                    "podMetricsEndpoints": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "object", "required": ["port"]},
                    }
                },
            }
        },
    },
    "PrometheusRule": {
        "type": "object",
        "required": ["spec"],
        "properties": {
            "spec": {
                "type": "object",
                "required": ["groups"],
                "properties": {
                    "groups": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "object", "required": ["name", "rules"]},
                    }
                },
            }
        },
    },
}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_custom_resources_are_well_formed(rendered: dict[str, list[dict]], overlay: str) -> None:
    docs = rendered[overlay]
    errors = []
    for doc in docs:
        key = (doc["apiVersion"], doc["kind"])
        if doc["kind"] in CRD_SCHEMAS:
            assert key in CRD_KINDS, f"unexpected API version {key}"
            for error in jsonschema.Draft202012Validator(CRD_SCHEMAS[doc["kind"]]).iter_errors(doc):
                errors.append(
                    f"{doc['kind']}/{doc['metadata']['name']}: {error.json_path}: {error.message}"
                )
    assert not errors, "\n".join(errors)

    # Strimzi: pools and topics belong to the Kafka cluster; KRaft with node pools.
    kafkas = by_name(docs, "Kafka")
    assert len(kafkas) == 1
    ((kafka_name, kafka),) = kafkas.items()
    assert kafka["metadata"]["annotations"]["strimzi.io/kraft"] == "enabled"
    assert kafka["metadata"]["annotations"]["strimzi.io/node-pools"] == "enabled"
    pools = kinds(docs, "KafkaNodePool")
    for doc in pools + kinds(docs, "KafkaTopic"):
        assert doc["metadata"]["labels"]["strimzi.io/cluster"] == kafka_name
    roles = {role for pool in pools for role in pool["spec"]["roles"]}
    assert roles == {"controller", "broker"}, "KRaft needs controllers and brokers"

    # CloudNativePG: each Database belongs to the cluster and is owned by a managed role.
    clusters = by_name(docs, "Cluster")
    managed = {
        role["name"]: role
        for cluster in clusters.values()
        for role in cluster["spec"].get("managed", {}).get("roles", [])
    }
    databases = {d["spec"]["name"]: d for d in kinds(docs, "Database")}
    assert set(databases) == set(SERVICES), "one database per service"
    for name, db in databases.items():
        assert db["spec"]["cluster"]["name"] in clusters
        assert db["spec"]["owner"] == name
        assert managed[name]["login"] is True
        assert managed[name]["passwordSecret"]["name"] == f"{name}-db-credentials"


def test_prod_kafka_replication(rendered: dict[str, list[dict]]) -> None:
    docs = rendered["prod"]
    kafka = kinds(docs, "Kafka")[0]
    config = kafka["spec"]["kafka"]["config"]
    brokers = sum(
        p["spec"]["replicas"]
        for p in kinds(docs, "KafkaNodePool")
        if "broker" in p["spec"]["roles"]
    )
    assert brokers >= 3
    assert config["default.replication.factor"] == 3
    assert config["min.insync.replicas"] == 2
    assert config["offsets.topic.replication.factor"] == 3
    assert config["transaction.state.log.min.isr"] == 2
    assert config["auto.create.topics.enable"] is False
    topics = kinds(docs, "KafkaTopic")
    assert {t["spec"]["topicName"] for t in topics} == TOPICS
    for topic in topics:
        assert topic["spec"]["replicas"] == 3, topic["metadata"]["name"]
        assert int(topic["spec"]["config"]["min.insync.replicas"]) == 2, topic["metadata"]["name"]
    assert kinds(docs, "Cluster")[0]["spec"]["instances"] >= 3


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_topic_replication_fits_the_brokers(rendered: dict[str, list[dict]], overlay: str) -> None:
    docs = rendered[overlay]
    brokers = sum(
        p["spec"]["replicas"]
        for p in kinds(docs, "KafkaNodePool")
        if "broker" in p["spec"]["roles"]
    )
    config = kinds(docs, "Kafka")[0]["spec"]["kafka"]["config"]
    assert config["default.replication.factor"] <= brokers
    assert config["offsets.topic.replication.factor"] <= brokers
    assert config["min.insync.replicas"] <= config["default.replication.factor"]
    for topic in kinds(docs, "KafkaTopic"):
        replicas = topic["spec"]["replicas"]
        min_isr = int(topic["spec"]["config"]["min.insync.replicas"])
        assert replicas <= brokers, topic["metadata"]["name"]
        assert min_isr <= replicas, topic["metadata"]["name"]
        if replicas > 1:  # producers with acks=all survive one broker down
            assert min_isr < replicas, topic["metadata"]["name"]


# ---- workloads -------------------------------------------------------------------------------
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_has_its_workloads(rendered: dict[str, list[dict]], overlay: str) -> None:
    docs = rendered[overlay]
    found = {
        (
            pod_labels(w)["app.kubernetes.io/name"],
            pod_labels(w)["app.kubernetes.io/component"],
            w["kind"],
        )
        for w in workloads(docs)
    }
    expected = {(svc, comp, "Deployment") for svc in SERVICES for comp in components(svc)}
    expected |= {(svc, "migrate", "Job") for svc in SERVICES}
    assert found == expected
    for w in workloads(docs):
        svc = pod_labels(w)["app.kubernetes.io/name"]
        comp = pod_labels(w)["app.kubernetes.io/component"]
        (container,) = pod_spec(w)["containers"]
        command = container["command"] + container.get("args", [])
        module = f"services.{svc}.entrypoints.{comp}"
        assert command[:3] == ["python", "-m", module], w["metadata"]["name"]
        if comp == "relay":
            assert command[3:] == ["run"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_workloads_are_hardened_and_sized(rendered: dict[str, list[dict]], overlay: str) -> None:
    for w in workloads(rendered[overlay]):
        name = w["metadata"]["name"]
        spec = pod_spec(w)
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] == 10001, name
        assert spec["automountServiceAccountToken"] is False, name
        for c in spec["containers"]:
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False, name
            assert sc["readOnlyRootFilesystem"] is True, name
            assert sc["capabilities"]["drop"] == ["ALL"], name
            res = c["resources"]
            assert {"cpu", "memory"} <= set(res["requests"]), name
            assert "memory" in res["limits"], name
            image = c["image"]
            assert re.fullmatch(r"\S+:[\w][\w.-]*", image), f"{name}: untagged image {image}"
            assert not image.endswith(":latest"), name
        if w["kind"] == "Job":
            assert spec["restartPolicy"] == "Never"
            assert w["spec"]["backoffLimit"] >= 1


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_probes(rendered: dict[str, list[dict]], overlay: str) -> None:
    for w in kinds(rendered[overlay], "Deployment"):
        name = w["metadata"]["name"]
        (c,) = pod_spec(w)["containers"]
        ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
        assert "livenessProbe" in c, name
        if pod_labels(w)["app.kubernetes.io/component"] == "api":
            assert c["livenessProbe"]["httpGet"]["path"] == "/healthz", name
            assert c["readinessProbe"]["httpGet"]["path"] == "/readyz", name
            assert c["startupProbe"]["httpGet"]["path"] == "/healthz", name
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                assert c[probe]["httpGet"]["port"] in ports, name
            svc = pod_labels(w)["app.kubernetes.io/name"]
            assert ports["http"] == SERVICES[svc]
        else:
            assert ports == {"metrics": 9100}, name
            assert c["livenessProbe"]["tcpSocket"]["port"] == "metrics", name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_references_resolve(rendered: dict[str, list[dict]], overlay: str) -> None:
    docs = rendered[overlay]
    assert not kinds(docs, "Secret"), "no Secret may be committed; reference them only"
    configmaps = by_name(docs, "ConfigMap")
    accounts = by_name(docs, "ServiceAccount")
    for w in workloads(docs):
        name = w["metadata"]["name"]
        spec = pod_spec(w)
        assert spec["serviceAccountName"] in accounts, name
        mounted = {v["name"] for v in spec.get("volumes", [])}
        for c in spec["containers"]:
            for m in c.get("volumeMounts", []):
                assert m["name"] in mounted, name
            for source in c.get("envFrom", []):
                assert "secretRef" not in source, f"{name}: envFrom a Secret hides what it sets"
                assert source["configMapRef"]["name"] in configmaps, name
            for env in c.get("env", []):
                ref = env.get("valueFrom", {})
                if "configMapKeyRef" in ref:
                    cm, key = ref["configMapKeyRef"]["name"], ref["configMapKeyRef"]["key"]
                    keys = (
                        set(configmaps[cm]["data"])
                        if cm in configmaps
                        else EXTERNAL_CONFIGMAPS.get(cm)
                    )
                    assert keys is not None and key in keys, f"{name}: {cm}/{key}"
                if "secretKeyRef" in ref:
                    secret, key = ref["secretKeyRef"]["name"], ref["secretKeyRef"]["key"]
                    assert key in EXTERNAL_SECRETS.get(secret, ()), f"{name}: {secret}/{key}"

    deployments = kinds(docs, "Deployment") + kinds(docs, "StatefulSet")
    for svc in kinds(docs, "Service"):
        targets = [
            d
            for d in deployments
            if matches({"matchLabels": svc["spec"]["selector"]}, pod_labels(d))
        ]
        assert len(targets) == 1, f"Service {svc['metadata']['name']} selects {len(targets)}"
        ports = {p["name"] for c in pod_spec(targets[0])["containers"] for p in c.get("ports", [])}
        for port in svc["spec"]["ports"]:
            assert port["targetPort"] in ports, svc["metadata"]["name"]
    for hpa in kinds(docs, "HorizontalPodAutoscaler"):
        ref = hpa["spec"]["scaleTargetRef"]
        target = by_name(docs, ref["kind"])[ref["name"]]
        assert pod_labels(target)["app.kubernetes.io/component"] == "api"
        assert "replicas" not in target["spec"], f"{ref['name']}: the HPA owns replicas"
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    for pdb in kinds(docs, "PodDisruptionBudget"):
        targets = [d for d in deployments if matches(pdb["spec"]["selector"], pod_labels(d))]
        assert len(targets) == 1, pdb["metadata"]["name"]
    api_pdbs = {
        pdb["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
        for pdb in kinds(docs, "PodDisruptionBudget")
        if pdb["spec"]["selector"]["matchLabels"].get("app.kubernetes.io/component") == "api"
    }
    assert api_pdbs == set(SERVICES)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_connection_settings_point_at_the_operators_services(
    rendered: dict[str, list[dict]], overlay: str
) -> None:
    docs = rendered[overlay]
    kafka = kinds(docs, "Kafka")[0]
    plain = [
        lst
        for lst in kafka["spec"]["kafka"]["listeners"]
        if lst["type"] == "internal" and not lst["tls"]
    ]
    bootstrap = f"{kafka['metadata']['name']}-kafka-bootstrap:{plain[0]['port']}"
    cluster = kinds(docs, "Cluster")[0]["metadata"]["name"]
    for w in workloads(docs):
        svc = pod_labels(w)["app.kubernetes.io/name"]
        (c,) = pod_spec(w)["containers"]
        env = {e["name"]: e for e in c["env"]}
        data: dict[str, str] = {}
        for source in c["envFrom"]:
            data.update(by_name(docs, "ConfigMap")[source["configMapRef"]["name"]]["data"])
        assert data[prefix(svc) + "KAFKA_BOOTSTRAP_SERVERS"] == bootstrap
        assert data[prefix(svc) + "ENVIRONMENT"] == "prod"
        assert data[prefix(svc) + "JWT_ALGORITHM"] == "RS256"
        url = env[prefix(svc) + "DATABASE_URL"]["value"]
        m = re.fullmatch(r"postgresql://(\w+):\$\((\w+)\)@([\w-]+):5432/(\w+)(\?.*)?", url)
        assert m, f"{w['metadata']['name']}: {url}"
        user, password_var, host, database, _ = m.groups()
        assert (user, database, host) == (svc, svc, f"{cluster}-rw")
        secret = env[password_var]["valueFrom"]["secretKeyRef"]
        assert secret["name"] == f"{svc}-db-credentials"
        names = [e["name"] for e in c["env"]]
        assert names.index(password_var) < names.index(prefix(svc) + "DATABASE_URL"), (
            "$(VAR) expands only variables defined earlier"
        )


# ---- network policies --------------------------------------------------------------------------
def _policies_for(docs: list[dict], labels: dict, direction: str) -> list[dict]:
    return [
        p
        for p in kinds(docs, "NetworkPolicy")
        if direction in p["spec"].get("policyTypes", [])
        and matches(p["spec"]["podSelector"], labels)
    ]


def _allows(policies: list[dict], direction: str, peer_labels: dict, port: Any) -> bool:
    key, peer_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    for policy in policies:
        for rule in policy["spec"].get(key, []):
            peers_ok = any(
                "namespaceSelector" not in peer
                and matches(peer.get("podSelector", {}), peer_labels)
                for peer in rule.get(peer_key, [])
            )
            ports_ok = any(p.get("port") == port for p in rule.get("ports", []))
            if peers_ok and ports_ok:
                return True
    return False


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_allow_only_what_is_needed(
    rendered: dict[str, list[dict]], overlay: str
) -> None:
    docs = rendered[overlay]
    postgres = {"cnpg.io/cluster": kinds(docs, "Cluster")[0]["metadata"]["name"]}
    broker = {
        "strimzi.io/cluster": kinds(docs, "Kafka")[0]["metadata"]["name"],
        "strimzi.io/kind": "Kafka",
    }
    deny = [
        p
        for p in kinds(docs, "NetworkPolicy")
        if set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and "ingress" not in p["spec"]
        and "egress" not in p["spec"]
    ]
    assert deny, "a default-deny policy for the application pods"
    for w in workloads(docs):
        labels = pod_labels(w)
        name = w["metadata"]["name"]
        assert any(matches(p["spec"]["podSelector"], labels) for p in deny), name
        egress = _policies_for(docs, labels, "Egress")
        assert _allows(egress, "Egress", postgres, 5432), f"{name} cannot reach PostgreSQL"
        needs_kafka = labels["app.kubernetes.io/component"] not in ("migrate", WEBHOOKS)
        assert _allows(egress, "Egress", broker, 9092) == needs_kafka, name
        public = _public_egress(egress)
        if labels["app.kubernetes.io/component"] == WEBHOOKS:
            assert public and all(set(b.get("except", [])) >= PRIVATE_RANGES for b in public), (
                f"{name} must reach subscribers' public addresses and no private one"
            )
        else:
            assert not public, f"{name} has no business on the internet"
        ingress = _policies_for(docs, labels, "Ingress")
        for policy in ingress:
            for rule in policy["spec"].get("ingress", []):
                assert rule.get("from"), f"{policy['metadata']['name']} admits everyone"
                assert rule.get("ports"), f"{policy['metadata']['name']} admits every port"
        ingress_ports = {
            p["port"] for pol in ingress for r in pol["spec"].get("ingress", []) for p in r["ports"]
        }
        if w["kind"] == "Job":
            assert ingress_ports <= {"metrics", "http"}
        elif labels["app.kubernetes.io/component"] == "api":
            assert ingress_ports == {"http", "metrics"} or ingress_ports == {"http"}
        else:
            assert "http" not in {p["name"] for p in pod_spec(w)["containers"][0]["ports"]}
    # PostgreSQL admits the application on 5432.
    pg_ingress = _policies_for(docs, postgres, "Ingress")
    app_pod = pod_labels(workloads(docs)[0])
    assert _allows(pg_ingress, "Ingress", app_pod, 5432)
    # Strimzi generates the broker policies from the listener's peers.
    listener = kinds(docs, "Kafka")[0]["spec"]["kafka"]["listeners"][0]
    assert any(matches(peer["podSelector"], app_pod) for peer in listener["networkPolicyPeers"])


def _public_egress(policies: list[dict]) -> list[dict]:
    """The ipBlock peers of ``policies`` that open the whole IPv4 internet."""
    return [
        peer["ipBlock"]
        for policy in policies
        for rule in policy["spec"].get("egress", [])
        for peer in rule.get("to", [])
        if peer.get("ipBlock", {}).get("cidr") == "0.0.0.0/0"
    ]


# ---- monitoring ----------------------------------------------------------------------------------
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_service_monitor_scrapes_every_workload(
    rendered: dict[str, list[dict]], overlay: str
) -> None:
    docs = rendered[overlay]
    (monitor,) = kinds(docs, "ServiceMonitor")
    ports = {e["port"]: e for e in monitor["spec"]["endpoints"]}
    for endpoint in ports.values():
        assert endpoint.get("path", "/metrics") == "/metrics"
        assert endpoint["honorLabels"] is True, "keep the metrics' own `service` label"
    scraped = set()
    for svc in kinds(docs, "Service"):
        if not matches(monitor["spec"]["selector"], svc["metadata"].get("labels", {})):
            continue
        if any(p["name"] in ports for p in svc["spec"]["ports"]):
            scraped.add(tuple(sorted(svc["spec"]["selector"].items())))
    for d in kinds(docs, "Deployment"):
        key = tuple(
            sorted(
                (k, v)
                for k, v in pod_labels(d).items()
                if k in ("app.kubernetes.io/name", "app.kubernetes.io/component")
            )
        )
        assert key in scraped, f"{d['metadata']['name']} is not scraped"


def test_prometheus_rule_matches_alerts_file(rendered: dict[str, list[dict]]) -> None:
    alerts = load_yaml(DEPLOY / "prometheus" / "alerts.yml")
    for overlay in OVERLAYS:
        (rule,) = kinds(rendered[overlay], "PrometheusRule")
        assert rule["spec"]["groups"] == alerts["groups"], (
            "deploy/k8s/base/monitoring/prometheusrule.yaml is stale: "
            "run python deploy/tools/sync_prometheusrule.py"
        )


def test_rendered_prometheus_rule_passes_promtool(
    rendered: dict[str, list[dict]], promtool: str, tmp_path: Path
) -> None:
    (rule,) = kinds(rendered["prod"], "PrometheusRule")
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    proc = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ---- namespaces and environments --------------------------------------------------------------
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_everything_lands_in_the_overlay_namespace(
    rendered: dict[str, list[dict]], overlay: str
) -> None:
    docs = rendered[overlay]
    (namespace,) = kinds(docs, "Namespace")
    ns = namespace["metadata"]["name"]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] in (
        "baseline",
        "restricted",
    )
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == ns, f"{doc['kind']}/{doc['metadata']}"


def test_overlays_differ_where_they_should(rendered: dict[str, list[dict]]) -> None:
    dev, prod = rendered["dev"], rendered["prod"]
    ns = {o: kinds(rendered[o], "Namespace")[0]["metadata"]["name"] for o in OVERLAYS}
    assert ns["dev"] != ns["prod"]
    assert kinds(dev, "Cluster")[0]["spec"]["instances"] == 1
    for hpa_dev, hpa_prod in zip(
        kinds(dev, "HorizontalPodAutoscaler"), kinds(prod, "HorizontalPodAutoscaler"), strict=True
    ):
        assert hpa_prod["spec"]["minReplicas"] >= 2 > hpa_dev["spec"]["minReplicas"]
    for w in kinds(prod, "Deployment"):
        if pod_labels(w)["app.kubernetes.io/component"] in ALL_WORKERS:
            assert w["spec"]["replicas"] >= 1
    schedulers = [
        w
        for w in kinds(prod, "Deployment")
        if pod_labels(w)["app.kubernetes.io/component"] == "scheduler"
    ]
    for w in schedulers:
        assert w["spec"]["replicas"] == 1 and w["spec"]["strategy"]["type"] == "Recreate", (
            "periodic jobs must never run twice at once"
        )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_apis_share_rate_limits_through_redis(
    rendered: dict[str, list[dict]], overlay: str
) -> None:
    docs = rendered[overlay]
    (redis,) = kinds(docs, "StatefulSet")
    labels = pod_labels(redis)
    (container,) = pod_spec(redis)["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert "--requirepass" in container["command"]
    (service,) = [
        s
        for s in kinds(docs, "Service")
        if s["spec"]["selector"] == {k: labels[k] for k in s["spec"]["selector"]}
        and "redis" in s["metadata"]["name"]
    ]
    host = service["metadata"]["name"]
    for w in kinds(docs, "Deployment"):
        api = pod_labels(w)
        if (
            api["app.kubernetes.io/component"] != "api"
            or api["app.kubernetes.io/name"] not in SERVICES
        ):
            continue
        env = {e["name"]: e for e in pod_spec(w)["containers"][0]["env"]}
        names = list(env)
        key = f"{api['app.kubernetes.io/name'].upper()}_RATE_LIMIT_STORAGE"
        assert env[key]["value"] == f"redis://:$(REDIS_PASSWORD)@{host}:6379/0", w["metadata"][
            "name"
        ]
        assert names.index("REDIS_PASSWORD") < names.index(key)  # defined before it is used
        assert _allows(_policies_for(docs, api, "Egress"), "Egress", labels, 6379)
        assert _allows(_policies_for(docs, labels, "Ingress"), "Ingress", api, 6379)
    worker = next(
        w for w in workloads(docs) if pod_labels(w)["app.kubernetes.io/component"] == "relay"
    )
    assert not _allows(_policies_for(docs, labels, "Ingress"), "Ingress", pod_labels(worker), 6379)
