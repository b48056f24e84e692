"""Keyset pagination, one way for every service.

A cursor is the last key of the page a client was handed, versioned and base64url-encoded so
clients treat it as opaque. Decoding rejects anything this API could not have handed out with
422 ``invalid_cursor`` (never a 500, never a silently restarted listing). Framework-free: the
FastAPI parameters and the generic page model live in ``shared.web.pagination``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from shared.exceptions import InvalidInput

_VERSION = "v1"
_MAX_BIGINT = 2**63  # integer keys are BIGINT ids

T = TypeVar("T")


def encode_cursor(last: int | str) -> str:
    """The opaque cursor for a page whose last row has key ``last``."""
    return base64.urlsafe_b64encode(f"{_VERSION}:{last}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str:
    """The key after which the next page starts; "" for the first page."""
    if not cursor:
        return ""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise _bad_cursor() from None
    version, _, value = raw.partition(":")
    if version != _VERSION or "\x00" in value:  # NUL cannot be a stored key
        raise _bad_cursor()
    return value


def decode_int_cursor(cursor: str | None) -> int:
    """As ``decode_cursor`` for integer (BIGINT id) keys; 0 for the first page."""
    value = decode_cursor(cursor)
    if not value:
        return 0
    try:
        last_id = int(value)
    except ValueError:
        raise _bad_cursor() from None
    if not 0 <= last_id < _MAX_BIGINT:
        raise _bad_cursor()
    return last_id


def cut_page(
    rows: Sequence[T], limit: int, key_of: Callable[[T], Any]
) -> tuple[Sequence[T], str | None]:
    """Split ``limit + 1`` fetched rows into the page and the cursor of the next one (None at end).

    Queries fetch one row more than asked so that "is there a next page" costs no extra count.
    """
    page = rows[:limit]
    more = len(rows) > limit and len(page) > 0
    return page, encode_cursor(key_of(page[-1])) if more else None


def _bad_cursor() -> InvalidInput:
    return InvalidInput("the cursor is not one this API handed out", code="invalid_cursor")
