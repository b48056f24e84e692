"""Pagination at the HTTP edge: the ``cursor``/``limit`` query parameters and the page model.

Every listing takes ``Cursor`` and ``Limit`` (or ``limit_param(default, maximum)``) and answers a
``CursorPage[Item]``; the codec is ``shared.pagination``.
"""

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

T = TypeVar("T")

Cursor = Annotated[
    str | None,
    Query(max_length=200, description="Opaque cursor from the previous page's `next_cursor`."),
]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size.")]


class CursorPage(BaseModel, Generic[T]):
    """One page of a keyset-paginated listing."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )
