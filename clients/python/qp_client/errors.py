"""problem+json (RFC 9457) answers as typed exceptions carrying the machine-readable code."""

from typing import Any

import httpx


class QPError(Exception):
    """Base of every error this client raises."""


class TransportError(QPError):
    """The service could not be reached (after retries)."""


class ApiError(QPError):
    """The service answered with an error. ``code`` is the problem's stable machine code."""

    def __init__(self, status: int, code: str, title: str, detail: str | None, body: dict) -> None:
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.problem = body
        super().__init__(f"{status} {code}: {detail or title}")

    def __getattr__(self, name: str) -> Any:
        # problem extension members (e.g. ``current_status``, ``errors``) as attributes
        try:
            return self.__dict__["problem"][name]
        except KeyError:
            raise AttributeError(name) from None


class BadRequest(ApiError):
    """400 / 422: the request was refused as invalid (``errors`` lists the fields)."""


class Unauthenticated(ApiError):
    """401."""


class Forbidden(ApiError):
    """403."""


class NotFound(ApiError):
    """404."""


class Conflict(ApiError):
    """409: the state does not allow it (e.g. ``current_status``)."""


class RateLimited(ApiError):
    """429 after the retries were spent."""


class ServerError(ApiError):
    """5xx after the retries were spent."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthenticated,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: BadRequest,
    429: RateLimited,
}


def raise_for_problem(response: httpx.Response) -> None:
    """Raise the typed error for a non-2xx answer; return for a success."""
    if response.is_success:
        return
    try:
        body = response.json()
        if not isinstance(body, dict):
            body = {}
    except ValueError:
        body = {}
    status = response.status_code
    code = str(body.get("code") or f"http_{status}")
    title = str(body.get("title") or response.reason_phrase)
    detail = body.get("detail")
    cls = ServerError if status >= 500 else _BY_STATUS.get(status, ApiError)
    raise cls(status, code, title, detail, body)
