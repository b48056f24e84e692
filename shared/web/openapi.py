"""The services' OpenAPI documents as a product: stable operation ids and one ``Problem`` schema
on every error response.

Operation ids are ``<tag>_<function>`` (``public_verification_verify_one``), not FastAPI's
``<function>_<path>_<method>`` (``verify_one_public_certificates__number__get``), so generated
clients get readable method names that survive a path change. Every error response is documented
as ``application/problem+json`` with the ``Problem`` schema (what ``shared.web.problems`` sends),
and every operation documents the 500 that any request can meet, with the request id to quote.

Examples live next to each service's routes as data (``services/<name>/entrypoints/
openapi_examples.py``: operation id -> ``OperationExamples``) and are written into the document
when it is built, so the routes stay readable and a test can validate every example against the
schema of the operation it illustrates (``tests/shared/test_openapi_product.py``).
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from shared.web.problems import PROBLEM_JSON

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


class ProblemFieldError(BaseModel):
    """One invalid input of a ``validation_error``."""

    location: list[str] = Field(examples=[["body", "holder_uscc"]])
    message: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details with a stable machine-readable ``code``. Some codes add
    members of their own (``current_status``, ``listing_id``, ...)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["https://quality-platform.example/problems/not-found"])
    title: str = Field(examples=["Certificate not found"])
    status: int = Field(examples=[404])
    code: str = Field(examples=["not_found"])
    detail: str | None = None
    request_id: str | None = Field(
        default=None, description="Quote it when reporting a problem (also `X-Request-ID`)."
    )
    errors: list[ProblemFieldError] | None = Field(
        default=None, description="For `validation_error`: every invalid input."
    )


def operation_id(route: APIRoute) -> str:
    """``<first tag>_<function name>``, lower snake case."""
    tag = route.tags[0] if route.tags else ""
    slug = re.sub(r"[^0-9a-zA-Z]+", "_", str(tag)).strip("_").lower()
    return f"{slug}_{route.name}" if slug else route.name


def _document_problems(spec: dict[str, Any]) -> dict[str, Any]:
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    schemas.pop("HTTPValidationError", None)  # validation errors are problems too
    schemas.pop("ValidationError", None)
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.setdefault("500", {"description": "Internal error (quote the request id)"})
            for status, response in responses.items():
                if status[0] in "45":
                    response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}
    return spec


@dataclass(frozen=True)
class Example:
    """One named example (an OpenAPI Example Object)."""

    summary: str
    value: Any


@dataclass(frozen=True)
class OperationExamples:
    """The examples of one operation: a value per parameter name, request body examples by
    name, and response examples by status code then name."""

    parameters: Mapping[str, Any] = field(default_factory=dict)
    request: Mapping[str, Example] = field(default_factory=dict)
    responses: Mapping[str, Mapping[str, Example]] = field(default_factory=dict)


OpenApiExamples = Mapping[str, OperationExamples]  # operation id -> its examples


def _example_objects(examples: Mapping[str, Example]) -> dict[str, dict[str, Any]]:
    return {name: {"summary": e.summary, "value": e.value} for name, e in examples.items()}


def _only_media(container: dict[str, Any]) -> dict[str, Any]:
    """The media type object of a request body or response: examples go where the schema is."""
    content: dict[str, Any] = container.setdefault("content", {})
    if not content:
        content["application/json"] = {}
    return content[next(iter(content))]  # type: ignore[no-any-return]


def _apply_examples(operation: dict[str, Any], examples: OperationExamples) -> None:
    for parameter in operation.get("parameters", []):
        if parameter["name"] in examples.parameters:
            parameter["example"] = examples.parameters[parameter["name"]]
    if examples.request:
        _only_media(operation["requestBody"])["examples"] = _example_objects(examples.request)
    for status, by_name in examples.responses.items():
        response = operation["responses"][status]
        _only_media(response)["examples"] = _example_objects(by_name)


def _document_examples(spec: dict[str, Any], examples: OpenApiExamples) -> dict[str, Any]:
    """Unknown operation ids are skipped here (a renamed route must not break ``/openapi.json``)
    and reported by the test that validates the examples."""
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            if operation.get("operationId") in examples:
                _apply_examples(operation, examples[operation["operationId"]])
    return spec


def install_openapi(app: FastAPI, examples: OpenApiExamples | None = None) -> None:
    """Post-process the app's generated document once (FastAPI caches ``app.openapi_schema``)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document_examples(_document_problems(generate()), examples or {})
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
