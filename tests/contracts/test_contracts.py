"""Contract tests: schema snapshots, compatibility, golden samples, upcasting."""

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from shared.contracts.catalog import (
    all_samples,
    incompatibilities,
    sample_paths,
    schema_of,
    snapshot_path,
)
from shared.events import ContractRegistry, EventEnvelope, EventPayload, contracts

MODELS = contracts.all()
IDS = [f"{m.EVENT_TYPE}.v{m.VERSION}" for m in MODELS]


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_schema_matches_its_committed_snapshot(model: type[EventPayload]) -> None:
    path = snapshot_path(model)
    assert path.exists(), (
        f"run `python -m shared.contracts.catalog --write-schemas` for {path.name}"
    )
    committed = json.loads(path.read_text())
    current = schema_of(model)
    broken = incompatibilities(committed, current)
    assert not broken, (
        f"{model.EVENT_TYPE} v{model.VERSION} changed incompatibly: {broken}; "
        "publish a new VERSION (and an upcaster) instead"
    )
    assert committed == current, "compatible change: regenerate the snapshot and commit it"


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_every_contract_has_a_golden_sample(model: type[EventPayload]) -> None:
    assert sample_paths(model), f"no golden sample for {model.EVENT_TYPE} v{model.VERSION}"


@pytest.mark.parametrize("path,envelope", all_samples(), ids=lambda x: getattr(x, "name", ""))
def test_golden_samples_parse_to_the_latest_version(path: Path, envelope: EventEnvelope) -> None:
    payload = contracts.parse_latest(envelope)
    assert envelope.event_type == payload.EVENT_TYPE
    assert envelope.producer == envelope.event_type.split(".")[0]


def test_compatibility_rules() -> None:
    base: dict[str, Any] = {
        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
        "required": ["a"],
    }
    optional_added = {**base, "properties": {**base["properties"], "c": {"type": "string"}}}
    assert incompatibilities(base, optional_added) == []
    required_added = {**optional_added, "required": ["a", "c"]}
    assert incompatibilities(base, required_added) == ["property 'c' is newly required"]
    removed = {"properties": {"a": {"type": "string"}}, "required": ["a"]}
    assert incompatibilities(base, removed) == ["property 'b' removed"]
    retyped = {**base, "properties": {**base["properties"], "b": {"type": "string"}}}
    assert incompatibilities(base, retyped) == ["property 'b' changed type"]
    retitled = {
        **base,
        "properties": {**base["properties"], "b": {"type": "integer", "title": "B"}},
    }
    assert incompatibilities(base, retitled) == []


def test_upcasting_turns_an_old_version_into_the_latest() -> None:
    registry = ContractRegistry()

    class ThingV1(EventPayload):
        EVENT_TYPE = "test.thing"
        VERSION = 1
        name: str

    class ThingV2(EventPayload):
        EVENT_TYPE = "test.thing"
        VERSION = 2
        given_name: str
        family_name: str

    registry.register(ThingV1)
    registry.register(ThingV2)
    registry.register_upcaster(
        "test.thing",
        1,
        lambda p: dict(zip(("given_name", "family_name"), p["name"].split(" ", 1), strict=True)),
    )
    old = EventEnvelope(
        event_type="test.thing",
        schema_version=1,
        producer="test",
        subject="x",
        payload={"name": "Wei Zhang"},
    )
    assert registry.parse_latest(old) == ThingV2(given_name="Wei", family_name="Zhang")
    newer = old.model_copy(update={"schema_version": 3})
    with pytest.raises(KeyError):
        registry.parse_latest(newer)
    with pytest.raises(ValidationError):
        registry.parse_latest(old.model_copy(update={"schema_version": 2}))
