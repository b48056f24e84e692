"""Every endpoint of every service says in its OpenAPI description who may call it."""

import re
from pathlib import Path

import pytest
from fastapi import FastAPI

from services.credit.config import CreditSettings
from services.credit.entrypoints.api import create_app as credit_app
from services.inspection.config import InspectionSettings
from services.inspection.entrypoints.api import create_app as inspection_app
from services.registry.config import RegistrySettings
from services.registry.entrypoints.api import create_app as registry_app

WHO = re.compile(
    r"\b(anyone|regulators?|(certification )?bod(y|ies)|enterprises?|holder|portals?|"
    r"prometheus|the plan's authority)\b",
    re.IGNORECASE,
)


def apps(tmp_path: Path) -> list[FastAPI]:
    return [
        registry_app(RegistrySettings(database_url=f"sqlite:///{tmp_path}/r.db")),
        credit_app(CreditSettings(database_url=f"sqlite:///{tmp_path}/c.db")),
        inspection_app(InspectionSettings(database_url=f"sqlite:///{tmp_path}/i.db")),
    ]


def test_every_operation_names_its_callers(tmp_path: Path) -> None:
    missing = []
    for app in apps(tmp_path):
        for path, operations in app.openapi()["paths"].items():
            for method, operation in operations.items():
                if not WHO.search(operation.get("description", "")):
                    missing.append(f"{app.title}: {method.upper()} {path}")
    assert not missing, missing


@pytest.mark.parametrize("index", [0, 1, 2])
def test_errors_are_documented_as_problem_json(tmp_path: Path, index: int) -> None:
    spec = apps(tmp_path)[index].openapi()
    documented = [
        op
        for ops in spec["paths"].values()
        for op in ops.values()
        if any(
            "application/problem+json" in r.get("content", {})
            for code, r in op.get("responses", {}).items()
            if code.startswith("4")
        )
    ]
    assert documented, "no operation documents its problem+json errors"


@pytest.mark.parametrize("index", [0, 1, 2])
def test_every_operation_has_a_stable_operation_id(tmp_path: Path, index: int) -> None:
    """``<tag>_<function>``: readable client method names that survive a path change."""
    spec = apps(tmp_path)[index].openapi()
    seen: dict[str, str] = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            op_id = operation.get("operationId", "")
            assert re.fullmatch(r"[a-z][a-z0-9_]*", op_id), f"{where}: {op_id!r}"
            tag = re.sub(r"[^0-9a-z]+", "_", operation["tags"][0].lower()).strip("_")
            assert op_id.startswith(f"{tag}_"), f"{where}: {op_id} does not start with its tag"
            assert not op_id.endswith(f"_{method}"), f"{where}: FastAPI's default id {op_id}"
            assert op_id not in seen, f"{where} and {seen.get(op_id)} share {op_id}"
            seen[op_id] = where


@pytest.mark.parametrize("index", [0, 1, 2])
def test_every_error_response_is_a_problem(tmp_path: Path, index: int) -> None:
    spec = apps(tmp_path)[index].openapi()
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "code"} <= set(problem["required"])
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            errors = {c: r for c, r in operation["responses"].items() if c[0] in "45"}
            assert "500" in errors, f"{where}: no documented error response"
            for code, response in errors.items():
                content = response["content"]
                assert set(content) == {"application/problem+json"}, f"{where} {code}: {content}"
                assert content["application/problem+json"]["schema"] == {
                    "$ref": "#/components/schemas/Problem"
                }, f"{where} {code}: {content}"  # and perhaps examples
