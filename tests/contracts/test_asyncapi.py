"""docs/asyncapi.yaml (issue 11 item 6): generated from the committed contracts, never stale, and
every golden sample is a valid example of its message."""

from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from devtools import asyncapi
from shared.contracts.catalog import SCHEMAS


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(asyncapi.OUTPUT.read_text())
    return loaded


def test_the_committed_document_is_not_stale() -> None:
    assert asyncapi.OUTPUT.read_text() == asyncapi.render(), (
        "docs/asyncapi.yaml is stale: run `make asyncapi` and commit it"
    )


def test_every_contract_version_is_a_message_on_its_producers_topic(
    document: dict[str, Any],
) -> None:
    keys = {path.name.removesuffix(".json") for path in SCHEMAS.glob("*.json")}
    assert set(document["components"]["messages"]) == keys
    for key in keys:
        topic = f"{key.split('.', 1)[0]}.events"
        assert key in document["channels"][topic]["messages"], key
    assert document["asyncapi"] == "3.0.0"


def test_every_operation_names_messages_of_its_channel(document: dict[str, Any]) -> None:
    actions = {op["action"] for op in document["operations"].values()}
    assert actions == {"send", "receive"}
    for name, operation in document["operations"].items():
        channel = operation["channel"]["$ref"].removeprefix("#/channels/")
        for message in operation["messages"]:
            assert message["$ref"].startswith(f"#/channels/{channel}/messages/"), name
    # a flow a reader looks for: credit's dishonesty measures reach the registry
    receives = document["operations"]["registry_receives_credit"]["messages"]
    assert {"$ref": "#/channels/credit.events/messages/credit.measure.applied.v1"} in receives


def test_golden_samples_are_valid_examples_of_their_messages(document: dict[str, Any]) -> None:
    registry: Registry = Registry().with_resource(
        "urn:asyncapi", Resource.from_contents(document, default_specification=DRAFT202012)
    )
    errors = []
    for key, message in document["components"]["messages"].items():
        assert message["examples"], f"{key}: no golden sample"
        check = jsonschema.Draft202012Validator(
            {"$ref": f"urn:asyncapi#/components/messages/{key}/payload"}, registry=registry
        )
        for example in message["examples"]:
            errors += [
                f"{example['name']}: {e.message}" for e in check.iter_errors(example["payload"])
            ]
    assert not errors, "\n".join(errors)
