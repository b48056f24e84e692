"""Run a service's API under uvicorn (``python -m services.<svc>.entrypoints.api``)."""

import uvicorn

from shared.observability import configure_logging
from shared.settings import ServiceSettings


def serve(factory: str, settings: ServiceSettings) -> None:
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
