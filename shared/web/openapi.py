"""The services' OpenAPI documents as a product: stable operation ids and one ``Problem`` schema
on every error response.

Operation ids are ``<tag>_<function>`` (``public_verification_verify_one``), not FastAPI's
``<function>_<path>_<method>`` (``verify_one_public_certificates__number__get``), so generated
clients get readable method names that survive a path change. Every error response is documented
as ``application/problem+json`` with the ``Problem`` schema (what ``shared.web.problems`` sends),
and every operation documents the 500 that any request can meet, with the request id to quote.
"""

import re
from collections.abc import Callable
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


def install_openapi(app: FastAPI) -> None:
    """Post-process the app's generated document once (FastAPI caches ``app.openapi_schema``)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document_problems(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
