"""The registry's webhook worker: ``python -m services.registry.entrypoints.webhooks``.

Fans every change-log entry out to the matching subscriptions and sends the signed
deliveries, with retries; runs beside the API like the relay (several replicas are safe).
"""

from services.registry.adapters.webhook_feed import ChangeFeed
from services.registry.config import RegistrySettings
from shared.db import make_engine
from shared.observability import configure_logging
from shared.webhooks.settings import webhook_settings
from shared.webhooks.worker import worker_main


def main() -> int:
    settings = RegistrySettings()
    configure_logging("registry-webhooks", settings.log_level, settings.log_json)
    return worker_main(
        "registry",
        make_engine(settings.database_url),
        ChangeFeed(),
        webhook_settings(settings, "REGISTRY_"),
        __doc__ or "",
        settings.metrics_port,
    )


if __name__ == "__main__":
    raise SystemExit(main())
