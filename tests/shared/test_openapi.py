"""Every endpoint of every service says in its OpenAPI description who may call it."""

import re

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


def apps(tmp_path) -> list[FastAPI]:  # type: ignore[no-untyped-def]
    return [
        registry_app(RegistrySettings(database_url=f"sqlite:///{tmp_path}/r.db")),
        credit_app(CreditSettings(database_url=f"sqlite:///{tmp_path}/c.db")),
        inspection_app(InspectionSettings(database_url=f"sqlite:///{tmp_path}/i.db")),
    ]


def test_every_operation_names_its_callers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    missing = []
    for app in apps(tmp_path):
        for path, operations in app.openapi()["paths"].items():
            for method, operation in operations.items():
                if not WHO.search(operation.get("description", "")):
                    missing.append(f"{app.title}: {method.upper()} {path}")
    assert not missing, missing


@pytest.mark.parametrize("index", [0, 1, 2])
def test_errors_are_documented_as_problem_json(tmp_path, index: int) -> None:  # type: ignore[no-untyped-def]
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
