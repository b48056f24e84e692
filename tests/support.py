"""Small typed helpers shared by the test packages."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Table
from sqlmodel import SQLModel


def app_of(client: TestClient) -> FastAPI:
    """The application behind a test client, as the FastAPI it is (``TestClient.app`` is typed
    as any ASGI callable), so a test can reach ``app.state``."""
    assert isinstance(client.app, FastAPI)
    return client.app


def table_of(model: type[SQLModel]) -> Table:
    """The table of an ORM class, for Core statements in tests."""
    # SQLModel sets __table__ when the class is created with table=True; its stubs do not
    # declare it (the services reach it the same way)
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table
