"""Issue 18: an Idempotency-Key commits with the effect, so an ambiguous commit is resolved by
the retry (both databases)."""

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from unittest.mock import patch

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from starlette.types import Message, Receive, Scope, Send

from shared.idempotency_record import pending_key
from tests.credit.conftest import problem, record


def _records(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM credit_record")).scalar_one())


def _lost() -> None:
    raise OperationalError("COMMIT", {}, ConnectionResetError("server closed the connection"))


@contextmanager
def connection_drops(*, after_commit: bool) -> Iterator[None]:
    """Once, in a request carrying a key: the database connection drops just before COMMIT,
    or just after the database committed (the acknowledgement never reaches the service)."""
    real_commit = Session.commit
    fired: list[bool] = []

    def commit(session: Session) -> None:
        if pending_key.get() is None or fired:
            return real_commit(session)
        fired.append(True)
        if after_commit:
            real_commit(session)
        else:
            session.rollback()
        _lost()

    with patch.object(Session, "commit", commit):
        yield
    assert fired, "the simulated failure never happened"


def test_commit_whose_acknowledgement_is_lost_is_never_performed_twice(
    client: TestClient, enterprises: None, as_regulator: dict[str, str], engine: Engine
) -> None:
    headers = {**as_regulator, "Idempotency-Key": "ambiguous-1"}
    with connection_drops(after_commit=True):  # COMMIT reached the database, the answer did not
        first = client.post("/records", headers=headers, json=record())
    problem(first, 503, "database_unavailable")
    assert _records(engine) == 1  # the effect is there although the client got a 503
    retry = client.post("/records", headers=headers, json=record())
    problem(retry, 409, "idempotency_key_effect_committed")
    assert _records(engine) == 1


def test_commit_that_never_happened_is_performed_once_by_the_retry(
    client: TestClient, enterprises: None, as_regulator: dict[str, str], engine: Engine
) -> None:
    headers = {**as_regulator, "Idempotency-Key": "ambiguous-2"}
    with connection_drops(after_commit=False):  # the connection dropped before COMMIT
        problem(
            client.post("/records", headers=headers, json=record()), 503, "database_unavailable"
        )
    assert _records(engine) == 0
    retry = client.post("/records", headers=headers, json=record())
    assert retry.status_code == 201, retry.text
    again = client.post("/records", headers=headers, json=record())
    assert again.status_code == 201 and again.json() == retry.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert _records(engine) == 1


def test_answer_lost_on_the_way_to_the_client_is_replayed(
    client: TestClient, enterprises: None, as_regulator: dict[str, str], engine: Engine
) -> None:
    """The commit succeeded and the answer was written, but the client's connection dropped
    before it arrived: the middleware still stores it, and the retry gets it."""
    app = client.app
    sent: list[int] = []

    async def dropped_connection(scope: Scope, receive: Receive, send: Send) -> None:
        async def broken_send(message: Message) -> None:
            sent.append(1)
            raise ConnectionResetError("client went away")

        await app(scope, receive, broken_send if scope["type"] == "http" else send)

    headers = {**as_regulator, "Idempotency-Key": "lost-answer"}
    lossy = TestClient(dropped_connection, raise_server_exceptions=False)
    with suppress(Exception):  # the test client has no answer to give: it was lost
        lossy.post("/records", headers=headers, json=record())
    assert sent and _records(engine) == 1
    retry = client.post("/records", headers=headers, json=record())
    assert retry.status_code == 201, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json()["decision_number"] == record()["decision_number"]
    assert _records(engine) == 1
