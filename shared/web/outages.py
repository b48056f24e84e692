"""Database outages answer 503 problem+json with Retry-After, never 500.

A client that sees 503 knows nothing was changed unless the write's commit itself was cut off;
that one ambiguous case is said in the detail, and the request's ``Idempotency-Key`` (or the
record's natural key) tells the client on retry whether the first attempt took effect.
"""

import logging

import psycopg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import Counter
from psycopg_pool import PoolTimeout as AsyncPoolTimeout
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from shared.db import is_database_unavailable
from shared.web.problems import problem

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
UNAVAILABLE = Counter(
    "http_database_unavailable_total", "Requests answered 503 because the database was down"
)
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def database_unavailable_response(request: Request, exc: Exception) -> JSONResponse:
    UNAVAILABLE.inc()
    log.warning("database unavailable for %s %s: %s", request.method, request.url.path, exc)
    detail = "The database is temporarily unreachable; retry after the indicated delay."
    if request.method in _WRITE_METHODS:
        detail += (
            " If the failure cut off the commit, the change may have been saved: retry with"
            " the same Idempotency-Key to learn the outcome."
        )
    return problem(
        503,
        "database_unavailable",
        "Service temporarily unavailable",
        detail,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    if is_database_unavailable(exc):
        return database_unavailable_response(request, exc)
    raise exc  # not an outage: the generic 500 handler logs and answers it


def install_outage_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeout, _database_error)
    # the async public reads (shared/async_reads.py) meet psycopg's errors without SQLAlchemy
    app.add_exception_handler(psycopg.Error, _database_error)
    app.add_exception_handler(AsyncPoolTimeout, _database_error)
