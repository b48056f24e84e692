"""Committed JSON Schema snapshots and golden sample messages of every contract.

    python -m shared.contracts.catalog --write-schemas   # after adding a contract version

The contract tests (tests/contracts) fail when a model no longer matches its snapshot in an
incompatible way without a new VERSION, when a contract has no golden sample, or when a
golden sample no longer parses.
"""

import argparse
import json
from pathlib import Path
from typing import Any

import shared.contracts  # noqa: F401 - registers every contract
from shared.events import EventEnvelope, EventPayload, contracts

HERE = Path(__file__).parent
SCHEMAS = HERE / "schemas"
SAMPLES = HERE / "samples"


def schema_of(model: type[EventPayload]) -> dict[str, Any]:
    return model.model_json_schema(mode="validation")


def snapshot_path(model: type[EventPayload]) -> Path:
    return SCHEMAS / f"{model.EVENT_TYPE}.v{model.VERSION}.json"


def sample_paths(model: type[EventPayload]) -> list[Path]:
    return sorted(SAMPLES.glob(f"{model.EVENT_TYPE}.v{model.VERSION}*.json"))


def load_sample(path: Path) -> EventEnvelope:
    return EventEnvelope.model_validate_json(path.read_text())


def all_samples() -> list[tuple[Path, EventEnvelope]]:
    return [(p, load_sample(p)) for p in sorted(SAMPLES.glob("*.json"))]


def incompatibilities(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Changes that break a consumer of messages written against ``old`` (or vice versa):
    removed or retyped properties, new required properties, optional ones made required."""
    problems = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_req, new_req = set(old.get("required", [])), set(new.get("required", []))
    for name, spec in old_props.items():
        if name not in new_props:
            problems.append(f"property {name!r} removed")
        elif _shape(spec) != _shape(new_props[name]):
            problems.append(f"property {name!r} changed type")
    for name in new_req - old_req:
        problems.append(f"property {name!r} is newly required")
    if old.get("$defs") != new.get("$defs"):
        for key in set(old.get("$defs", {})) | set(new.get("$defs", {})):
            sub = incompatibilities(
                old.get("$defs", {}).get(key, {}), new.get("$defs", {}).get(key, {})
            )
            problems += [f"{key}: {p}" for p in sub]
    return problems


def _shape(spec: dict[str, Any]) -> Any:
    """A property's type information, without titles, descriptions and defaults."""
    ignored = {"title", "description", "default", "examples"}
    if isinstance(spec, dict):
        return {k: _shape(v) for k, v in spec.items() if k not in ignored}
    if isinstance(spec, list):
        return [_shape(v) for v in spec]
    return spec


def write_schemas() -> list[Path]:
    """Write missing or compatibly changed snapshots; refuse incompatible changes."""
    SCHEMAS.mkdir(exist_ok=True)
    written = []
    for model in contracts.all():
        path = snapshot_path(model)
        if path.exists():
            broken = incompatibilities(json.loads(path.read_text()), schema_of(model))
            if broken:
                raise SystemExit(
                    f"{model.EVENT_TYPE} v{model.VERSION} changed incompatibly ({'; '.join(broken)})"
                    ": add a new VERSION with an upcaster instead"
                )
        path.write_text(
            json.dumps(schema_of(model), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        )
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write-schemas", action="store_true")
    args = parser.parse_args()
    if args.write_schemas:
        for path in write_schemas():
            print(path)


if __name__ == "__main__":
    main()
