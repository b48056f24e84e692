"""The public portal (``python -m services.portal.entrypoints.api``, port 8004)."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from cachetools import TTLCache
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.exceptions import HTTPException

from services.portal import draws, pages, reports
from services.portal.config import SERVICE_DIR, PortalSettings
from services.portal.mirror import DisclosureMirror
from services.portal.report import signing
from services.portal.upstream import UpstreamError, Upstreams
from services.portal.web import error_page
from shared.auth.tokens import TokenVerifier
from shared.observability import ObservabilityMiddleware

log = logging.getLogger(__name__)


def create_app(settings: PortalSettings | None = None) -> FastAPI:
    settings = settings or PortalSettings()
    signer = signing.load_or_create_private_key(
        settings.signing_key.get_secret_value() if settings.signing_key else None,
        settings.signing_key_file,
        allow_create=settings.environment != "prod",
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.upstreams = Upstreams.connect(
            settings.registry_url,
            settings.inspection_url,
            settings.credit_url,
            settings.upstream_timeout_seconds,
        )
        app.state.mirror = _start_mirror(settings)
        yield
        if app.state.mirror is not None:
            await asyncio.to_thread(app.state.mirror.stop)
        await app.state.upstreams.close()

    app = FastAPI(
        title="Quality and credit public portal",
        description="Server-rendered public pages over the registry, inspection and credit "
        "services' public APIs, and signed enterprise quality credit reports.",
        version="1.0.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.signer = signer
    app.state.chart_cache = TTLCache(maxsize=1, ttl=settings.chart_cache_seconds)
    app.state.token_verifier = TokenVerifier(settings)
    app.state.verification_keys = {signing.key_id(signer.public_key()): signer.public_key()}
    app.add_middleware(ObservabilityMiddleware, service=settings.service_name)
    app.mount("/static", StaticFiles(directory=SERVICE_DIR / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(reports.router)
    app.include_router(draws.router)
    _install_error_pages(app)
    _install_operations(app)
    return app


def _start_mirror(settings: PortalSettings) -> DisclosureMirror | None:
    if not settings.mirror_url:
        return None
    mirror = DisclosureMirror(
        settings.mirror_url,
        settings.credit_url,
        settings.mirror_poll_seconds,
        timeout=settings.upstream_timeout_seconds,
        attempts=1,  # the mirror's loop is the retry: a shutdown never waits on a backoff
    )
    mirror.start()
    return mirror


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(UpstreamError)
    async def upstream_error(request: Request, exc: UpstreamError) -> HTMLResponse:
        return error_page(request, exc.status, exc.code, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> HTMLResponse:
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) for e in exc.errors())
        return error_page(request, 422, "invalid_request", fields)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> HTMLResponse:
        code = "not_found" if exc.status_code == 404 else f"http_{exc.status_code}"
        return error_page(request, exc.status_code, code, "")

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> HTMLResponse:
        log.exception("unhandled error on %s", request.url.path)
        return error_page(request, 500, "internal_error", "")


def _install_operations(app: FastAPI) -> None:
    @app.get("/healthz", tags=["operations"], summary="Liveness")
    async def healthz() -> dict[str, str]:
        """Anyone. The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], summary="Readiness", response_model=None)
    async def readyz(request: Request) -> Response | dict:
        """Anyone. 200 when the three services' public APIs answer."""
        ups = request.app.state.upstreams
        names = ("registry", "inspection", "credit")
        answers = await asyncio.gather(
            *(getattr(ups, n).client.get("/healthz") for n in names), return_exceptions=True
        )
        checks = {
            n: "ok" if not isinstance(a, BaseException) and a.status_code == 200 else "unreachable"
            for n, a in zip(names, answers, strict=True)
        }
        if all(v == "ok" for v in checks.values()):
            return {"status": "ready", "checks": checks}
        import json

        return Response(
            json.dumps({"status": "not_ready", "checks": checks}),
            status_code=503,
            media_type="application/json",
        )

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics")
    async def metrics() -> Response:
        """Scraped by Prometheus inside the cluster."""
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def main() -> None:
    import uvicorn

    from shared.observability import configure_logging

    settings = PortalSettings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    uvicorn.run(
        "services.portal.entrypoints.api:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        server_header=False,
    )


if __name__ == "__main__":
    main()
