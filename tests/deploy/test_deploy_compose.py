"""docker-compose.yml: valid against the Compose specification's JSON schema (vendored from
check-jsonschema into deploy/tools/compose-spec.json), no committed secret, and the start-up
order, health checks, restart policies, volumes and scraping the platform needs."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest
import yaml

from tests.deploy.helpers import (
    ALL_WORKERS,
    DEPLOY,
    ROOT,
    SERVICES,
    TOPICS,
    WEBHOOK_SERVICES,
    components,
    prefix,
)

SCHEMA = DEPLOY / "tools" / "compose-spec.json"
ENV_EXAMPLE = ROOT / ".env.example"
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}, $NAME; $$ escapes.
_VAR = re.compile(r"\$(?:\$|\{(\w+)(?:(:?[-?])((?:[^{}]|\{[^{}]*\})*))?\}|(\w+))")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|PRIVATE|_KEY$")
ONE_SHOTS = {"kafka-init", *(f"{svc}-migrate" for svc in SERVICES)}


def read_env_example() -> dict[str, str]:
    """KEY=VALUE lines; a double-quoted value may span lines (as compose's .env allows)."""
    values: dict[str, str] = {}
    lines = iter(ENV_EXAMPLE.read_text().splitlines())
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, _, value = line.partition("=")
        if value.startswith('"') and not (len(value) > 1 and value.endswith('"')):
            while not value.endswith('"'):
                value += "\n" + next(lines)
        values[key.strip()] = value.strip('"')
    return values


def strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings(k), *strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


def references(text: str) -> list[tuple[str, str | None]]:
    """(variable, operator) for every interpolation in a string of the compose file."""
    found = []
    for m in _VAR.finditer(text):
        if m.group(0) == "$$":
            continue
        found.append((m.group(1) or m.group(4), m.group(2)))
    return found


def interpolate(value: Any, env: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name, op, arg = m.group(1) or m.group(4), m.group(2), m.group(3)
        current = env.get(name)
        if op in (":?", "?"):
            if current is None or (op == ":?" and current == ""):
                raise AssertionError(f"${{{name}}} is required: {arg}")
            return current
        if op == ":-" and not current:
            return arg
        if op == "-" and current is None:
            return arg
        return current or ""

    return _VAR.sub(sub, value)


def services_of(compose: dict, svc: str) -> dict[str, dict]:
    return {name: s for name, s in compose["services"].items() if name.startswith(svc + "-")}


def test_compose_file_matches_the_compose_specification(compose: dict) -> None:
    schema = json.loads(SCHEMA.read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = [f"{e.json_path}: {e.message}" for e in validator_class(schema).iter_errors(compose)]
    assert not errors, "\n".join(errors)
    # And once more as compose sees it: interpolated with the documented .env values.
    env = {k: v or "placeholder-secret" for k, v in read_env_example().items()}
    resolved = interpolate(compose, env)
    errors = [f"{e.json_path}: {e.message}" for e in validator_class(schema).iter_errors(resolved)]
    assert not errors, "\n".join(errors)


def test_schema_rejects_a_broken_compose_file(compose: dict) -> None:
    """Guards the guard: the vendored schema must notice a misspelt service key."""
    schema = json.loads(SCHEMA.read_text())
    broken = json.loads(json.dumps(compose))
    broken["services"]["postgres"]["healthchek"] = broken["services"]["postgres"].pop("healthcheck")
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert list(validator.iter_errors(broken))


def test_no_secret_is_committed(compose: dict) -> None:
    refs = [ref for text in strings(compose) for ref in references(text)]
    assert refs
    documented = read_env_example()
    for name, op in refs:
        assert name in documented, f"${{{name}}} is not documented in .env.example"
        if SECRET_NAME.search(name):
            assert op == ":?", f"secret ${{{name}}} must be required (${{{name}:?...}})"
    for name, value in documented.items():
        if SECRET_NAME.search(name):
            assert value == "", f".env.example must leave {name} empty"
    for service_name, service in compose["services"].items():
        env = service.get("environment", {})
        assert isinstance(env, dict), f"{service_name}: use the mapping form for environment"
        for key, value in env.items():
            if SECRET_NAME.search(key) or key.endswith("DATABASE_URL"):
                assert "${" in str(value), f"{service_name}: {key} holds a literal secret"
                for name, op in references(str(value)):
                    if SECRET_NAME.search(name):
                        assert op == ":?"
    assert not (ROOT / ".env").exists() or ".env" in (ROOT / ".gitignore").read_text()


def test_kafka_runs_in_kraft_mode_from_the_official_image(compose: dict) -> None:
    kafka = compose["services"]["kafka"]
    assert re.fullmatch(r"\$\{KAFKA_IMAGE:-apache/kafka:[\d.]+\}", kafka["image"])
    env = kafka["environment"]
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert not any("zookeeper" in s.lower() for s in strings(compose["services"]))
    assert "kafka-data:/var/lib/kafka/data" in kafka["volumes"]
    assert env["KAFKA_LOG_DIRS"] == "/var/lib/kafka/data"
    # The topics the services use exist before any relay or consumer starts.
    script = compose["services"]["kafka-init"]["command"][0]
    loop = re.search(r"for topic in (.*?); do", script, re.S)
    assert loop, "kafka-init creates no topics"
    created = set(loop.group(1).replace("\\", " ").split())
    assert created == TOPICS


def test_postgres_has_one_database_per_service(compose: dict) -> None:
    pg = compose["services"]["postgres"]
    init_mounts = [v for v in pg["volumes"] if "/docker-entrypoint-initdb.d/" in v]
    assert len(init_mounts) == 1
    source = ROOT / init_mounts[0].split(":")[0]
    assert source.is_file() and source.stat().st_mode & 0o111, "init script must be executable"
    script = source.read_text()
    for svc in SERVICES:
        assert re.search(
            rf'^create_service_database {svc} "\$\{{{prefix(svc)}DB_PASSWORD', script, re.M
        ), f"init script does not create the {svc} database"
        assert f"{prefix(svc)}DB_PASSWORD" in pg["environment"]
        for name, service in services_of(compose, svc).items():
            url = service["environment"][prefix(svc) + "DATABASE_URL"]
            m = re.fullmatch(r"postgresql://(\w+):\$\{(\w+):\?[^}]*\}@postgres:5432/(\w+)", url)
            assert m, f"{name}: {url}"
            assert m.groups() == (svc, prefix(svc) + "DB_PASSWORD", svc)


def test_start_up_order(compose: dict) -> None:
    services = compose["services"]
    for svc in SERVICES:
        migrate = services[f"{svc}-migrate"]
        assert migrate["command"] == ["python", "-m", f"services.{svc}.entrypoints.migrate"]
        assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
        for component in components(svc):
            deps = services[f"{svc}-{component}"]["depends_on"]
            assert deps[f"{svc}-migrate"]["condition"] == "service_completed_successfully"
        for worker in ("relay", "consumer"):
            deps = services[f"{svc}-{worker}"]["depends_on"]
            assert deps["kafka-init"]["condition"] == "service_completed_successfully"
    assert services["kafka-init"]["depends_on"]["kafka"]["condition"] == "service_healthy"


def test_health_checks_restart_policies_and_volumes(compose: dict) -> None:
    declared = set(compose["volumes"])
    used = set()
    for name, service in compose["services"].items():
        if name in ONE_SHOTS:
            assert service["restart"] == "no", name
        else:
            assert service["restart"] in ("unless-stopped", "always"), name
            check = service["healthcheck"]
            assert not check.get("disable") and check["test"][0] in ("CMD", "CMD-SHELL"), name
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name}: {source} does not exist"
            else:
                used.add(source)
    assert used == declared, "named volumes: declared and used must agree"
    assert {"postgres-data", "kafka-data", "prometheus-data"} <= declared


def test_every_service_process_runs_hardened(compose: dict) -> None:
    for svc in SERVICES:
        for name, service in services_of(compose, svc).items():
            assert service["build"]["dockerfile"] == "Dockerfile", name
            assert service["build"]["args"] == {"SERVICE": svc, "PORT": str(SERVICES[svc])}, name
            assert service["image"].endswith(f"/{svc}:${{IMAGE_TAG:-dev}}"), name
            assert service["read_only"] is True and service["cap_drop"] == ["ALL"], name
            assert "no-new-privileges:true" in service["security_opt"], name
        api = compose["services"][f"{svc}-api"]
        port = SERVICES[svc]
        assert api["ports"] == [f"${{{prefix(svc)}API_PORT:-{port}}}:{port}"]
        assert f"127.0.0.1:{port}/healthz" in " ".join(api["healthcheck"]["test"])


def test_prometheus_scrapes_every_metrics_endpoint(compose: dict) -> None:
    prom = compose["services"]["prometheus"]
    mounts = {
        v.split(":")[1]: ROOT / v.split(":")[0] for v in prom["volumes"] if v.startswith("./")
    }
    config_path = mounts["/etc/prometheus/prometheus.yml"]
    assert mounts["/etc/prometheus/alerts.yml"] == DEPLOY / "prometheus" / "alerts.yml"
    config = yaml.safe_load(config_path.read_text())
    assert config["rule_files"] == ["alerts.yml"]
    targets = set()
    for job in config["scrape_configs"]:
        if job["job_name"] != "prometheus":
            assert job.get("honor_labels") is True, "keep the metrics' own `service` label"
            assert job.get("metrics_path", "/metrics") == "/metrics"
        for static in job["static_configs"]:
            targets.update(static["targets"])
    expected = set()
    for svc in SERVICES:
        for name, service in services_of(compose, svc).items():
            env = service["environment"]
            if name.endswith("-api"):
                expected.add(f"{name}:{env[prefix(svc) + 'PORT']}")
            elif not name.endswith("-migrate"):
                expected.add(f"{name}:{env[prefix(svc) + 'METRICS_PORT']}")
    assert expected <= targets, f"not scraped: {sorted(expected - targets)}"
    assert targets - {"localhost:9090"} <= expected, "scraping services that do not exist"


@pytest.mark.parametrize("svc", sorted(SERVICES))
def test_metrics_ports(compose: dict, svc: str) -> None:
    for name, service in services_of(compose, svc).items():
        port = service["environment"][prefix(svc) + "METRICS_PORT"]
        assert port == ("9100" if name.rsplit("-", 1)[1] in ALL_WORKERS else "0"), name


def test_apis_share_rate_limits_through_redis(compose: dict) -> None:
    redis = compose["services"]["redis"]
    assert "--requirepass" in redis["command"] and redis["healthcheck"]["test"][0] == "CMD"
    for svc in SERVICES:
        api = compose["services"][f"{svc}-api"]
        url = api["environment"][f"{svc.upper()}_RATE_LIMIT_STORAGE"]
        assert url.startswith("redis://:${REDIS_PASSWORD:?") and url.endswith("@redis:6379/0")
        assert api["depends_on"]["redis"]["condition"] == "service_healthy"


@pytest.mark.parametrize("svc", WEBHOOK_SERVICES)
def test_webhook_workers(compose: dict, svc: str) -> None:
    """Delivery runs from the database (outbox-fed), beside the API: no broker needed, and in
    production private targets are refused (the worker reads <SVC>_ENVIRONMENT=prod)."""
    worker = compose["services"][f"{svc}-webhooks"]
    assert worker["command"] == ["python", "-m", f"services.{svc}.entrypoints.webhooks"]
    assert "kafka-init" not in worker["depends_on"]
    assert worker["environment"][prefix(svc) + "ENVIRONMENT"] == "prod"
    assert "127.0.0.1:9100/metrics" in " ".join(worker["healthcheck"]["test"])
    assert "ports" not in worker, "a worker publishes no port"
