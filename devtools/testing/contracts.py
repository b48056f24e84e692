"""Producer-side contract checks: an emitted event must match its model and golden sample."""

import json
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import Engine

from shared.contracts.catalog import SAMPLES
from shared.events import EventEnvelope, contracts


def outbox_events(engine: Engine, outbox_table: Table) -> list[EventEnvelope]:
    with engine.connect() as conn:
        bodies = conn.execute(select(outbox_table.c.body).order_by(outbox_table.c.id)).scalars()
        return [EventEnvelope.model_validate_json(b) for b in bodies]


def assert_matches_contract(envelope: EventEnvelope) -> None:
    model = contracts.model_for(envelope.event_type, envelope.schema_version)
    model.model_validate(envelope.payload)  # raises on any mismatch
    path = SAMPLES / f"{envelope.event_type}.v{envelope.schema_version}.json"
    assert path.exists(), f"no golden sample {path.name}"
    sample = json.loads(path.read_text())
    assert same_shape(envelope.payload, sample["payload"]), (
        f"{envelope.event_type}: emitted payload differs in shape from its golden sample"
    )
    assert set(envelope.model_dump(mode="json")) == set(sample), "envelope fields differ"


def same_shape(a: Any, b: Any) -> bool:
    """Same keys and JSON kinds, recursively; null matches anything (optional fields)."""
    if a is None or b is None:
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_shape(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return not a or not b or same_shape(a[0], b[0])
    numbers = (int, float)
    if (
        isinstance(a, numbers)
        and isinstance(b, numbers)
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        return True
    return type(a) is type(b)
