"""The webhook worker of a service: fan out new feed entries, send what is due, repeat."""

import argparse
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from shared.clock import utcnow
from shared.webhooks import schema as t
from shared.webhooks.fanout import FeedSource, fan_out, write_engine
from shared.webhooks.sender import send_due
from shared.webhooks.settings import WebhookSettings

log = logging.getLogger(__name__)
PURGE_EVERY_SECONDS = 3600


def purge(engine: Engine, retention: timedelta) -> int:
    """Delete finished deliveries older than ``retention`` with their attempt log."""
    d, a = t.delivery, t.attempt
    old = select(d.c.id).where(
        d.c.status.in_(("delivered", "failed")), d.c.created_at < utcnow() - retention
    )
    with write_engine(engine).begin() as conn:
        conn.execute(delete(a).where(a.c.delivery_id.in_(old)))
        return int(conn.execute(delete(d).where(d.c.id.in_(old))).rowcount)


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
        purged_at = 0.0
        while not stop.is_set():
            if time.monotonic() - purged_at > PURGE_EVERY_SECONDS:
                purged_at = time.monotonic()
                try:
                    purge(engine, timedelta(days=settings.retention_days))
                except Exception:  # noqa: BLE001
                    log.exception("purging old webhook deliveries failed")
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
