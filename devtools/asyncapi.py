"""Writes ``docs/asyncapi.yaml``: the platform's events as an AsyncAPI 3.0 document.

    python -m devtools.asyncapi            # or: make asyncapi

Generated from what is committed and run, never written by hand:

- channels are the Kafka topics, one per producing service (``shared.events.topic_for``);
- messages are the versioned contracts: the envelope (``shared.events.EventEnvelope``) whose
  ``payload`` is the committed JSON Schema snapshot (``shared/contracts/schemas``), with the
  golden samples (``shared/contracts/samples``) as examples;
- operations say which service sends each message (the event type's prefix) and which
  service's consumer receives it (the event types of its dispatcher's handler table, on the
  topics it subscribes to).

``tests/contracts/test_asyncapi.py`` fails when the committed document is stale. This module
imports the services' handler tables, which is why it lives in ``devtools/`` and not in
``shared/contracts`` (the contracts must not know their consumers).
"""

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from shared.contracts.catalog import SAMPLES, SCHEMAS
from shared.dispatch import Dispatcher
from shared.events import ENVELOPE_VERSION, EventEnvelope, topic_for

OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "asyncapi.yaml"
PRODUCERS = ("registry", "inspection", "credit")


def _consumers() -> dict[str, tuple[list[str], Callable[[Engine], Dispatcher[Any]]]]:
    """Service -> (the topics its consumer subscribes to, its handler table factory)."""
    from services.credit.service_layer import handlers as credit
    from services.credit.service_layer.policy import Policy
    from services.inspection.service_layer import handlers as inspection
    from services.registry.service_layer import handlers as registry

    return {
        "registry": (
            registry.TOPICS,
            lambda engine: registry.make_handler(engine, suspend_existing=False),
        ),
        "inspection": (inspection.TOPICS, inspection.make_handler),
        "credit": (credit.TOPICS, lambda engine: credit.make_handler(engine, Policy())),
    }


def _key(path: Path) -> str:
    """``registry.certificate.issued.v1`` from its schema file name."""
    return path.name.removesuffix(".json")


def _hoisted(key: str, schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """The contract's ``$defs`` become components named ``<key>.<Def>`` (refs rewritten), so
    every schema resolves inside the one document."""
    defs = schema.pop("$defs", {})

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: f"#/components/schemas/{key}.{v.rsplit('/', 1)[-1]}"
                if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/")
                else rewrite(v)
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    for name, definition in defs.items():
        schemas[f"{key}.{name}"] = rewrite(definition)
    return rewrite(schema)  # type: ignore[no-any-return]


def _envelope_schema() -> dict[str, Any]:
    schema = EventEnvelope.model_json_schema(mode="serialization")
    schema["properties"]["payload"] = {"description": "the contract's payload (per message)"}
    return schema


def _message(key: str, contract: dict[str, Any]) -> dict[str, Any]:
    event_type, _, version = key.rpartition(".v")
    samples = sorted(SAMPLES.glob(f"{key}*.json"))
    envelope = _envelope_schema()
    described = {"summary": contract["description"]} if "description" in contract else {}
    return {
        "name": event_type,
        "title": f"{event_type} v{version}",
        **described,
        "contentType": "application/json",
        "payload": {
            "allOf": [
                {"$ref": "#/components/schemas/EventEnvelope"},
                {
                    "type": "object",
                    "properties": {
                        "event_type": {"const": event_type},
                        "schema_version": {"const": int(version)},
                        "payload": {"$ref": f"#/components/schemas/{key}"},
                    },
                },
            ]
        },
        "bindings": {
            "kafka": {
                "key": envelope["properties"]["subject"] | {"type": "string"},
                "bindingVersion": "0.5.0",
            }
        },
        "examples": [
            {"name": path.stem, "summary": "golden sample", "payload": json.loads(path.read_text())}
            for path in samples
        ],
    }


def _receivers(messages: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """Service -> topic -> the message keys its consumer acts on (every version: older ones
    are upcast)."""
    engine = create_engine("sqlite://")  # the handler tables only keep it; nothing connects
    found: dict[str, dict[str, list[str]]] = {}
    for service, (topics, make_handler) in _consumers().items():
        handled = make_handler(engine).event_types
        for topic in topics:
            keys = [k for k in messages if k.rpartition(".v")[0] in handled and _topic(k) == topic]
            found.setdefault(service, {})[topic] = keys
    return found


def _topic(key: str) -> str:
    return topic_for(key.split(".", 1)[0])


def _ref(topic: str, key: str) -> dict[str, str]:
    return {"$ref": f"#/channels/{topic}/messages/{key}"}


def build() -> dict[str, Any]:
    schemas: dict[str, Any] = {"EventEnvelope": _envelope_schema()}
    messages: dict[str, Any] = {}
    for path in sorted(SCHEMAS.glob("*.json")):
        key = _key(path)
        schemas[key] = _hoisted(key, json.loads(path.read_text()), schemas)
        messages[key] = _message(key, schemas[key])
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for producer in PRODUCERS:
        topic = topic_for(producer)
        keys = [k for k in messages if _topic(k) == topic]
        channels[topic] = {
            "address": topic,
            "title": f"Events of the {producer} service",
            "description": "Message key: the envelope's subject (the aggregate id). Written only "
            "through the producer's transactional outbox and relay.",
            "messages": {k: {"$ref": f"#/components/messages/{k}"} for k in keys},
        }
        operations[f"{producer}_publishes"] = {
            "action": "send",
            "title": f"{producer} publishes (outbox relay)",
            "channel": {"$ref": f"#/channels/{topic}"},
            "messages": [_ref(topic, k) for k in keys],
        }
    for service, by_topic in _receivers(messages).items():
        for topic, keys in by_topic.items():
            if keys:
                operations[f"{service}_receives_{topic.split('.')[0]}"] = {
                    "action": "receive",
                    "title": f"{service} consumer ({service}-consumer group)",
                    "description": "Idempotent: each event id is applied once. Events of other "
                    "types on this topic are read and recorded as processed, with no effect.",
                    "channel": {"$ref": f"#/channels/{topic}"},
                    "messages": [_ref(topic, k) for k in keys],
                }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Quality platform events",
            "version": f"envelope-v{ENVELOPE_VERSION}",
            "description": "Generated by `python -m devtools.asyncapi` from shared/contracts; do "
            "not edit by hand.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "`make run` prints the address of its broker",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def render() -> str:
    header = "# Generated by `python -m devtools.asyncapi` (make asyncapi); do not edit.\n"
    body: str = yaml.safe_dump(build(), sort_keys=False, allow_unicode=True, width=100)
    return header + body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the document is stale")
    args = parser.parse_args()
    text = render()
    if args.check:
        stale = not OUTPUT.exists() or OUTPUT.read_text() != text
        if stale:
            print(f"{OUTPUT} is stale: run `make asyncapi`", file=sys.stderr)
        return int(stale)
    OUTPUT.write_text(text)
    print(OUTPUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
