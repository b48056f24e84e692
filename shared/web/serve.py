"""Run a service's API under uvicorn (``python -m services.<svc>.entrypoints.api``).

``--workers N`` (or ``<SERVICE>_WORKERS=N``) runs N worker processes on one port. Each worker
keeps its own read cache; every cache polls the service's change log (``shared.cache``), so a
write served by one worker reaches the others' caches within ``CACHE_REFRESH_SECONDS``. Rate
limits need ``RATE_LIMIT_STORAGE=redis://…`` to be shared by the workers.
"""

import argparse

import uvicorn

from shared.observability import configure_logging
from shared.settings import ServiceSettings


def parse_serve_arguments(settings: ServiceSettings, argv: list[str] | None = None) -> None:
    """Command-line overrides of the settings' listening address and worker count."""
    parser = argparse.ArgumentParser(prog=f"{settings.service_name}-api")
    parser.add_argument(
        "--workers", type=int, help=f"worker processes (default {settings.workers})"
    )
    parser.add_argument("--host", help=f"listening address (default {settings.host})")
    parser.add_argument("--port", type=int, help=f"listening port (default {settings.port})")
    args = parser.parse_args(argv)
    if args.workers is not None:
        if args.workers < 1:
            parser.error("--workers must be at least 1")
        settings.workers = args.workers
    if args.host:
        settings.host = args.host
    if args.port:
        settings.port = args.port


def serve(factory: str, settings: ServiceSettings, argv: list[str] | None = None) -> None:
    parse_serve_arguments(settings, argv)
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    uvicorn.run(
        factory,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_config=None,  # keep our JSON logging
        access_log=False,  # per-route metrics and request ids cover it, at far less cost
        proxy_headers=True,
        server_header=False,
    )
