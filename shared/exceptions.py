"""Domain-level errors, free of any web framework.

Each carries a stable machine-readable ``code``; the web layer maps the class to an HTTP status
(see ``shared.web.problems``).
"""

from typing import Any


class DomainError(Exception):
    code = "domain_error"
    title = "Request cannot be processed"

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.extra = extra


class InvalidInput(DomainError):
    code = "invalid_input"
    title = "Invalid input"


class NotFound(DomainError):
    code = "not_found"
    title = "Not found"


class Conflict(DomainError):
    code = "conflict"
    title = "Conflict with the current state"


class Forbidden(DomainError):
    code = "forbidden"
    title = "Not allowed"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    title = "Authentication required"
