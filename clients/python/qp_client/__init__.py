"""Typed client for the quality platform's public APIs (registry, credit, inspection)."""

from qp_client.aio import AsyncClient
from qp_client.client import Client
from qp_client.errors import (
    ApiError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    QPError,
    RateLimited,
    ServerError,
    TransportError,
    Unauthenticated,
)

__all__ = [
    "ApiError",
    "AsyncClient",
    "BadRequest",
    "Client",
    "Conflict",
    "Forbidden",
    "NotFound",
    "QPError",
    "RateLimited",
    "ServerError",
    "TransportError",
    "Unauthenticated",
]
