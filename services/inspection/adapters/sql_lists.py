"""A list of values as one bound parameter, on PostgreSQL and SQLite alike."""

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Connection


def one_of(conn: Connection, column: str, name: str) -> str:
    """SQL testing that ``column`` is in the list bound as ``:name`` (see ``list_value``):
    one parameter however long the list, instead of a statement per thousand values."""
    if conn.dialect.name == "postgresql":
        return f"{column} = ANY(:{name})"
    return f"{column} IN (SELECT value FROM json_each(:{name}))"


def list_value(conn: Connection, values: Iterable[Any]) -> Any:
    """A list as one bound value: a PostgreSQL array, or a JSON array for SQLite's json_each."""
    values = list(values)
    return values if conn.dialect.name == "postgresql" else json.dumps(values)
