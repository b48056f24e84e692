"""JSON logs with a request id, Prometheus metrics and the ASGI middleware that feeds both.

The request id is the correlation id of everything a request causes: the API sets it (from the
caller's ``X-Request-ID`` or a new one), the unit of work stamps it on every event it emits, and
a consumer sets it from the incoming event's ``correlation_id`` while applying it, so its log
lines and the events it emits in turn carry the same id (``shared.consumer``)."""

import contextvars
import logging
import sys
import time
import uuid
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

from prometheus_client import Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from pythonjsonlogger.json import JsonFormatter

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
log = logging.getLogger(__name__)

REQUESTS = Counter("http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def configure_logging(service: str, level: str = "INFO", json_logs: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if json_logs:
        handler.setFormatter(
            JsonFormatter(
                "{asctime}{levelname}{name}{message}{request_id}",
                style="{",
                static_fields={"service": service},
                rename_fields={"levelname": "level", "asctime": "time"},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # kafka-python logs every failed reconnect at ERROR, with a traceback; the workers log each
    # broker outage once themselves (OutageLog). At DEBUG the library speaks again.
    kafka_level = logging.DEBUG if root.level <= logging.DEBUG else logging.CRITICAL
    logging.getLogger("kafka").setLevel(kafka_level)


class ObservabilityMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware overhead): request id, per-route count and latency."""

    def __init__(self, app: Any, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and len(incoming) <= 128 else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        status = 500
        started = False
        start = time.perf_counter()

        async def send_wrapper(message: MutableMapping[str, Any]) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            if started:
                raise
            # Answered here rather than by Starlette's outer error middleware, which runs after
            # this one has reset the request id: the 500 keeps it in its header, body and log.
            from shared.web.problems import internal_error

            log.exception("unhandled error")
            await internal_error()(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            LATENCY.labels(self.service, method, path).observe(time.perf_counter() - start)
            REQUESTS.labels(self.service, method, path, str(status)).inc()
            request_id_var.reset(token)


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


class CallbackGauges(Collector):
    """Gauges computed at scrape time (e.g. outbox backlog read from the database)."""

    def __init__(self, callback: Callable[[], list[GaugeMetricFamily]]) -> None:
        self.callback = callback

    def collect(self) -> Iterator[Metric]:
        try:
            yield from self.callback()
        except Exception:  # noqa: BLE001 - a failed scrape must not break /metrics
            logging.getLogger(__name__).warning("metrics callback failed", exc_info=True)


def serve_metrics(port: int) -> None:
    """Workers without an HTTP API expose /metrics on their own port (0 = disabled)."""
    if port:
        start_http_server(port, addr="0.0.0.0")  # noqa: S104 - scraped from inside the cluster


class OutageLog:
    """One log line when a dependency becomes unavailable and one when it is back, instead of
    a traceback per failed attempt while it is down."""

    def __init__(self, logger: logging.Logger, dependency: str) -> None:
        self.logger = logger
        self.dependency = dependency
        self._down_since: float | None = None

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def failed(self, exc: BaseException | None) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            self.logger.warning("%s unavailable: %s", self.dependency, exc)

    def recovered(self) -> None:
        if self._down_since is not None:
            down_for = time.monotonic() - self._down_since
            self._down_since = None
            self.logger.warning("%s available again after %.1f s", self.dependency, down_for)
