"""The webhook worker of a service: fan out new feed entries, send what is due, repeat."""

import argparse
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy.engine import Engine

from shared.webhooks.fanout import FeedSource, fan_out
from shared.webhooks.sender import send_due
from shared.webhooks.settings import WebhookSettings

log = logging.getLogger(__name__)


def run(
    engine: Engine,
    source: FeedSource,
    settings: WebhookSettings,
    service: str,
    stop: threading.Event,
) -> None:
    with (
        httpx.Client(timeout=settings.timeout_seconds, follow_redirects=False) as http,
        ThreadPoolExecutor(max_workers=8, thread_name_prefix="webhook") as pool,
    ):
        while not stop.is_set():
            try:
                busy = fan_out(engine, source, settings.batch_size)
                busy += send_due(engine, http, settings, service, pool)
            except Exception:  # noqa: BLE001 - a database outage must not end the worker
                log.exception("webhook worker cycle failed; retrying")
                busy = 0
            if not busy:
                stop.wait(settings.poll_seconds)


def worker_main(
    service: str,
    engine: Engine,
    source: FeedSource,
    settings: WebhookSettings,
    doc: str,
    metrics_port: int = 0,
) -> int:
    from shared.observability import serve_metrics
    from shared.processes import stop_on_signals

    argparse.ArgumentParser(
        prog=f"python -m services.{service}.entrypoints.webhooks", description=doc
    ).parse_args()
    serve_metrics(metrics_port)
    log.info("webhook worker of %s started", service)
    run(engine, source, settings, service, stop_on_signals())
    return 0
