"""RFC 9457 problem+json for every error, each with a stable machine-readable ``code``."""

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from shared.exceptions import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthenticated,
)
from shared.observability import request_id_var

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
_STATUS = {InvalidInput: 422, NotFound: 404, Conflict: 409, Forbidden: 403, Unauthenticated: 401}
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
}


def problem(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://quality-platform.example/problems/{code.replace('_', '-')}",
        "title": title,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    rid = request_id_var.get()
    if rid:
        body["request_id"] = rid
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers or None)


def status_for(exc: DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return 400


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem(status_for(exc), exc.code, exc.title, exc.detail, **exc.extra)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "location": [str(p) for p in err.get("loc", ())],
            "message": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]
    detail = "; ".join(f"{'.'.join(e['location'])}: {e['message']}" for e in errors[:5])
    return problem(422, "validation_error", "Invalid request", detail, errors=errors)


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (Starlette names only the first route's).

    Asks each route whether it fully matches the path with each method, through the public
    ``matches`` API only (FastAPI's included routers are opaque).
    """
    methods = {
        method
        for method in _METHODS
        for route in request.app.routes
        if route.matches({**request.scope, "method": method})[0] is Match.FULL
    }
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
    detail = exc.detail if isinstance(exc.detail, str) else None
    title = detail or code.replace("_", " ").capitalize()
    # Keep the exception's headers: 405 carries `Allow` (all of them), 429 `Retry-After`.
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request) or headers.get("Allow", "")
    return problem(exc.status_code, code, title, detail, headers=headers)


async def _integrity_error(_request: Request, exc: Exception) -> JSONResponse:
    """A unique or foreign-key constraint lost a race with a concurrent request: retryable."""
    log.info("integrity error mapped to 409: %s", exc)
    return problem(
        409,
        "concurrent_conflict",
        "Conflict with a concurrent change",
        "another request changed the same data at the same time; read it again and retry",
    )


async def _data_error(_request: Request, exc: Exception) -> JSONResponse:
    """A value the database cannot store (out-of-range number, NUL in text, ...)."""
    log.info("data error mapped to 422: %s", exc)
    return problem(422, "unstorable_value", "Invalid input", "a value cannot be stored as given")


async def _overflow(_request: Request, exc: Exception) -> JSONResponse:
    """A number or date beyond what the system can represent (e.g. 9999-12-31 plus a period)."""
    log.info("overflow mapped to 422: %s", exc)
    return problem(422, "value_out_of_range", "Invalid input", "a number or date is out of range")


def internal_error() -> JSONResponse:
    """The 500 answer: no detail (it could leak internals), the request id to quote."""
    return problem(500, "internal_error", "Internal server error")


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    # Reached only by apps without ObservabilityMiddleware, which answers 500s itself.
    log.exception("unhandled error", exc_info=exc)
    return internal_error()


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(OverflowError, _overflow)
    app.add_exception_handler(Exception, _unexpected)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"description": desc, "content": {PROBLEM_JSON: {}}}
    for code, desc in {
        401: "Missing or invalid bearer token",
        403: "The caller may not do this",
        404: "Not found",
        409: "Conflicts with the current state",
        413: "The request body is larger than this route accepts",
        422: "Invalid input",
        429: "Too many requests; retry after the Retry-After header's seconds",
        503: "The database is temporarily unavailable (see Retry-After)",
    }.items()
}
