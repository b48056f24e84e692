"""schemathesis over a service's OpenAPI schema: every operation, bounded examples, no 5xx."""

import os
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.result import Err

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
# /readyz answers 503 by design when the broker is away (these tests run without one).
SKIP = {"/readyz"}


def assert_no_5xx(app: Any, header_sets: list[dict[str, str]]) -> int:
    """Call every operation with generated data under each header set; returns cases run."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    ran = 0
    for result in schema.get_all_operations():
        if isinstance(result, Err):  # a broken operation in our own schema is a failure
            failures.append(f"invalid operation in the schema: {result.err()}")
            continue
        operation = result.ok()
        if operation.path in SKIP:
            continue

        @given(case=operation.as_strategy(), headers=st.sampled_from(header_sets))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any, headers: dict[str, str]) -> None:
            nonlocal ran
            ran += 1
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: "
                    f"{response.text[:300]}"
                )

        call()
    assert not failures, "\n".join(failures[:20])
    return ran
