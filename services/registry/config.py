"""Registry settings: environment variables prefixed ``REGISTRY_``."""

from functools import cached_property
from pathlib import Path

from pydantic_settings import SettingsConfigDict

from services.registry.domain.lifecycle_rules import LifecycleRules, load_rules
from shared.settings import ServiceSettings

SERVICE_DIR = Path(__file__).parent


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    service_name: str = "registry"
    database_url: str = "sqlite:///var/registry.db"
    port: int = 8001
    # How stale another replica's verification cache may be: the change-log poll interval.
    cache_refresh_seconds: float = 0.5
    # Memory bound of the public verification cache in MB (an estimate per entry); 0 disables it.
    cache_mb: float = 128.0
    expiry_job_interval_seconds: float = 3600
    # Joint punishment: also suspend existing certificates of a listed holder (default: flag only).
    suspend_certificates_of_listed_holders: bool = False
    # Forgery signals: sliding window for not-found lookups per client (see deploy alerts).
    not_found_window_seconds: float = 600
    # Lifecycle limits (max suspension per scheme, withdrawn-body transfer period): JSON rows
    # overriding services/registry/domain/lifecycle_rules.py, each with its legal source.
    lifecycle_rules_file: Path | None = None

    @cached_property
    def lifecycle_rules(self) -> LifecycleRules:
        return load_rules(self.lifecycle_rules_file)
