"""Webhook settings, read with the hosting service's prefix (``REGISTRY_WEBHOOK_...``)."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import ServiceSettings


class WebhookSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    # Seconds to wait after the 1st, 2nd, ... failed attempt; the delivery fails for good
    # after the last (Standard Webhooks' suggested schedule, shortened at the far end).
    retry_schedule: list[float] = Field(default=[5, 300, 1800, 7200, 18000, 36000])
    # Consecutive failed attempts across a subscription's deliveries before it is paused.
    pause_after_failures: int = 20
    timeout_seconds: float = 10
    poll_seconds: float = 0.5
    batch_size: int = 100
    # Delivered and failed deliveries (and their attempts) are kept this long for replay and
    # the log; pending ones are never purged.
    retention_days: float = 30
    secret_overlap_hours: float = 24  # the previous secret keeps signing this long after rotation
    # Private and loopback targets are refused outside dev/test whatever this says.
    allow_private_targets: bool = True


def webhook_settings(service: ServiceSettings, prefix: str) -> WebhookSettings:
    settings = WebhookSettings(_env_prefix=f"{prefix}WEBHOOK_")
    if service.environment == "prod":
        settings.allow_private_targets = False
    return settings
