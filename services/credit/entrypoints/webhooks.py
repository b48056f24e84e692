"""The credit service's webhook worker: ``python -m services.credit.entrypoints.webhooks``.

Fans every disclosure entry (publish or withdraw) out to the matching subscriptions and sends
the signed
deliveries, with retries; runs beside the API like the relay (several replicas are safe).
"""

from services.credit.adapters.webhook_feed import DisclosureFeed
from services.credit.config import CreditSettings
from shared.db import make_engine
from shared.observability import configure_logging
from shared.webhooks.settings import webhook_settings
from shared.webhooks.worker import worker_main


def main() -> int:
    settings = CreditSettings()
    configure_logging("credit-webhooks", settings.log_level, settings.log_json)
    return worker_main(
        "credit",
        make_engine(settings.database_url),
        DisclosureFeed(),
        webhook_settings(settings, "CREDIT_"),
        __doc__ or "",
        settings.metrics_port,
    )


if __name__ == "__main__":
    raise SystemExit(main())
