"""One correlation id follows a flow: the registry's consumer applies a credit event under the
event's correlation id, so its log lines and the events it emits in turn carry that id."""

import json
import logging
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from services.registry.adapters.orm import outbox
from shared.events import EventEnvelope
from shared.observability import configure_logging, request_id_var
from tests.registry.conftest import BODY_A, BODY_A_USCC
from tests.registry.test_joint_punishment import APPLIED, consumer, sample


def emitted(engine: Engine, event_type: str) -> list[EventEnvelope]:
    table = outbox.table
    with engine.connect() as conn:
        bodies = conn.execute(select(table.c.body).where(table.c.event_type == event_type))
        return [EventEnvelope.from_bytes(body.encode()) for (body,) in bodies]


def withdrawals(engine: Engine) -> list[EventEnvelope]:
    """The registry's events withdrawing an accreditation (the bodies' approvals are not)."""
    events = emitted(engine, "registry.body.accreditation_changed")
    return [e for e in events if e.payload["to_status"] == "withdrawn"]


def lifetime_ban(correlation_id: str | None) -> tuple[bytes, str]:
    raw = json.loads(
        sample(
            APPLIED,
            uscc=BODY_A_USCC,
            measure_code="lifetime_ban",
            listing_id=f"LST-{uuid.uuid4().hex[:6]}",
            category="certification_body",
        )
    )
    raw["event_id"] = str(uuid.uuid4())
    raw["correlation_id"] = correlation_id
    return json.dumps(raw).encode(), raw["event_id"]


def test_events_a_consumer_emits_carry_the_incoming_correlation_id(
    client: TestClient, bodies: None, engine: Engine
) -> None:
    message, _ = lifetime_ban("req-listing-42")
    consumer(engine).handle_raw(message)
    (changed,) = withdrawals(engine)
    assert changed.subject == BODY_A
    assert changed.correlation_id == "req-listing-42"
    assert request_id_var.get() is None, "the id must not leak into the next message"


def test_an_event_without_correlation_id_starts_the_flow_with_its_own_id(
    client: TestClient, bodies: None, engine: Engine
) -> None:
    message, event_id = lifetime_ban(None)
    consumer(engine).handle_raw(message)
    (changed,) = withdrawals(engine)
    assert changed.correlation_id == event_id


def test_consumer_log_lines_carry_the_correlation_id(
    bodies: None, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    c = consumer(engine)
    seen: list[str | None] = []

    def handler(_session: object, _envelope: EventEnvelope) -> None:
        seen.append(request_id_var.get())
        logging.getLogger("registry.handler").info("applying")

    c.handler = handler
    message, _ = lifetime_ban("req-logged-7")
    configure_logging("registry-consumer", "INFO", json_logs=True)
    try:
        c.handle_raw(message)
    finally:
        logging.getLogger().handlers.clear()
    assert seen == ["req-logged-7"]
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    (line,) = [x for x in lines if x["name"] == "registry.handler"]
    assert line["message"] == "applying" and line["request_id"] == "req-logged-7"
