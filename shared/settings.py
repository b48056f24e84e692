"""Typed settings shared by every service; each service subclasses with its own env prefix."""

from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-signing-key-change-me-0123456789abcdef"


class ServiceSettings(BaseSettings):
    """Settings every service has. Subclasses set ``env_prefix`` (e.g. ``REGISTRY_``)."""

    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    service_name: str = "service"
    environment: Literal["dev", "test", "prod"] = "dev"
    database_url: str = "sqlite:///var/service.db"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # Auth: HS256 with a shared dev key in dev/test, RS256 with a public key in production.
    jwt_algorithm: Literal["HS256", "RS256"] = "HS256"
    jwt_dev_secret: SecretStr | None = SecretStr(DEV_JWT_SECRET)
    jwt_public_key: str | None = None
    jwt_issuer: str = "quality-platform"
    jwt_audience: str = "quality-platform"
    outbox_retention_days: int = 14
    log_level: str = "INFO"
    log_json: bool = True
    metrics_port: int = 0
    # Kafka static group membership: a consumer that restarts under the same instance id gets
    # its partitions back without a group rebalance (crash to resume on the test broker: ~6 s
    # instead of ~12 s). Kubernetes sets it to the pod name. Empty: dynamic membership (the
    # test broker never expires a static member that does not come back, so processes that
    # restart under a new id, as in tests and `make run`, must not use it).
    consumer_instance_id: str = ""
    # The API's listening address (subclasses set their service's default port).
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1

    @model_validator(mode="after")
    def _fail_fast_outside_dev(self) -> "ServiceSettings":
        if self.environment != "prod":
            return self
        problems = []
        if self.jwt_algorithm != "RS256" or not self.jwt_public_key:
            problems.append("production requires JWT_ALGORITHM=RS256 and JWT_PUBLIC_KEY")
        if self.database_url.startswith("sqlite"):
            problems.append("production requires a PostgreSQL DATABASE_URL")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def bootstrap_servers(self) -> list[str]:
        return [s.strip() for s in self.kafka_bootstrap_servers.split(",") if s.strip()]
