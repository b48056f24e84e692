"""Typed settings shared by every service; each service subclasses with its own env prefix."""

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-signing-key-change-me-0123456789abcdef"
# Spellings operators use for the three environments; anything else is refused at start-up.
_ENVIRONMENT_ALIASES = {
    "dev": "dev",
    "development": "dev",
    "test": "test",
    "testing": "test",
    "prod": "prod",
    "production": "prod",
}
MAX_TOKEN_LIFETIME_HOURS = 24


def _normalise_environment(value: object, source: str) -> str:
    key = str(value).strip().lower()
    if key not in _ENVIRONMENT_ALIASES:
        raise ValueError(f"{source}={value!r} is not one of dev, test, prod")
    return _ENVIRONMENT_ALIASES[key]


class ServiceSettings(BaseSettings):
    """Settings every service has. Subclasses set ``env_prefix`` (e.g. ``REGISTRY_``)."""

    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    service_name: str = "service"
    # Safe default: a process started without configuration is production and refuses
    # the committed dev key. `make run`, tests and benchmarks say dev/test explicitly.
    environment: Literal["dev", "test", "prod"] = "prod"
    database_url: str = "sqlite:///var/service.db"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # A mounted file (e.g. a ConfigMap key) holding the bootstrap list; read again by every
    # readiness check, so a broker moved to a new address is found without restarting the API.
    # Overrides kafka_bootstrap_servers while it exists and is not empty.
    kafka_bootstrap_servers_file: str | None = None
    # Kafka authentication: SASL in production (each service its own user, ACLs per topic).
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    # Auth: HS256 with a shared dev key in dev/test, RS256 with a public key in production.
    jwt_algorithm: Literal["HS256", "RS256"] = "HS256"
    jwt_dev_secret: SecretStr | None = SecretStr(DEV_JWT_SECRET)
    jwt_public_key: str | None = None
    jwt_issuer: str = "quality-platform"
    jwt_audience: str = "quality-platform"
    # Longest accepted token lifetime (exp - iat); longer-lived tokens are refused.
    jwt_max_lifetime_hours: float = Field(default=12, gt=0, le=MAX_TOKEN_LIFETIME_HOURS)
    outbox_retention_days: int = 14
    log_level: str = "INFO"
    log_json: bool = True
    metrics_port: int = 0
    # Kafka static group membership (KIP-345): a consumer that restarts under the same instance
    # id gets its partitions back without a group rebalance; on the test broker the effect
    # varies from run to run (bench_recovery prints both). Kubernetes sets it to the pod name.
    # Empty: dynamic membership (the
    # test broker never expires a static member that does not come back, so processes that
    # restart under a new id, as in tests and `make run`, must not use it).
    consumer_instance_id: str = ""
    # The API's listening address (subclasses set their service's default port).
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    # Abuse limits (shared/web/guard.py, shared/web/limits.py).
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    rate_limit_enabled: bool = True
    # Per client (IP address, or portal API key) on /public/ routes; `limits` notation.
    rate_limit_public: str = "120/minute"
    rate_limit_portal: str = "6000/minute"
    # `limits` storage URI: memory:// is per process; redis://host:6379 shares across workers.
    rate_limit_storage: str = "memory://"
    # Reverse proxies whose X-Forwarded-For is believed (their own address is never a client).
    rate_limit_trusted_proxies: list[str] = Field(default_factory=list)
    # Portal API keys: name -> SHA-256 hex digest of the key (the key itself is never stored).
    portal_api_keys: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _environment_from_plain_variable(cls, data: Any) -> Any:
        """Honour an unprefixed ``ENVIRONMENT``; refuse it when it contradicts the prefixed one."""
        if not isinstance(data, dict):
            return data
        prefix = str(cls.model_config.get("env_prefix") or "")
        plain = os.environ.get("ENVIRONMENT")
        if plain is None or not prefix:
            return data
        plain_env = _normalise_environment(plain, "ENVIRONMENT")
        prefixed = os.environ.get(f"{prefix}ENVIRONMENT")
        if prefixed is not None and _normalise_environment(prefixed, prefix) != plain_env:
            raise ValueError(
                f"ENVIRONMENT={plain!r} contradicts {prefix}ENVIRONMENT={prefixed!r}; set one"
            )
        data.setdefault("environment", plain_env)
        return data

    @model_validator(mode="before")
    @classmethod
    def _environment_spellings(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("environment") is not None:
            data["environment"] = _normalise_environment(data["environment"], "ENVIRONMENT")
        return data

    @model_validator(mode="after")
    def _fail_fast_outside_dev(self) -> "ServiceSettings":
        problems = []
        if self.jwt_algorithm == "RS256" or self.jwt_public_key:
            from shared.auth.keys import key_problem  # noqa: PLC0415 - avoids an import cycle

            problem = key_problem(self.jwt_public_key)
            if problem:
                problems.append(problem)
        if self.environment == "prod":
            if self.jwt_algorithm != "RS256" or not self.jwt_public_key:
                problems.append("production requires JWT_ALGORITHM=RS256 and JWT_PUBLIC_KEY")
            if self.database_url.startswith("sqlite"):
                problems.append("production requires a PostgreSQL DATABASE_URL")
            if self.kafka_security_protocol == "PLAINTEXT":
                problems.append("production requires KAFKA_SECURITY_PROTOCOL=SASL_*")
            # The committed dev key must be useless outside dev/test, whatever else is set.
            self.jwt_dev_secret = None
        if self.kafka_security_protocol != "PLAINTEXT" and not (
            self.kafka_sasl_username and self.kafka_sasl_password
        ):
            problems.append("SASL requires KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def kafka_client_options(self) -> dict[str, Any]:
        """kafka-python options for this service's Kafka user (empty without SASL)."""
        if self.kafka_security_protocol == "PLAINTEXT" or self.kafka_sasl_password is None:
            return {}
        return {
            "security_protocol": self.kafka_security_protocol,
            "sasl_mechanism": self.kafka_sasl_mechanism,
            "sasl_plain_username": self.kafka_sasl_username,
            "sasl_plain_password": self.kafka_sasl_password.get_secret_value(),
        }

    @property
    def bootstrap_servers(self) -> list[str]:
        return [s.strip() for s in self.kafka_bootstrap_servers.split(",") if s.strip()]

    def current_bootstrap_servers(self) -> list[str]:
        """The bootstrap list as configured now: the file's content when it has one."""
        if self.kafka_bootstrap_servers_file:
            try:
                text = Path(self.kafka_bootstrap_servers_file).read_text(encoding="utf-8")
            except OSError:
                text = ""
            servers = [s.strip() for s in text.replace("\n", ",").split(",") if s.strip()]
            if servers:
                return servers
        return self.bootstrap_servers
