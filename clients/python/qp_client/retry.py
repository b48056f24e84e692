"""Retries with exponential backoff on 429, 5xx and connection failures (tenacity), waiting
what the service's ``Retry-After`` asks for when it says so."""

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    retry_if_result,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None when absent or bad."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class _Wait:
    """Retry-After when the answer carries it (capped at ``max_wait``), else backoff."""

    def __init__(self, initial: float, max_wait: float) -> None:
        self.max_wait = max_wait
        self.backoff = wait_exponential(multiplier=initial, max=max_wait) + wait_random(0, initial)

    def __call__(self, state: RetryCallState) -> float:
        outcome = state.outcome
        if outcome is not None and not outcome.failed:
            asked = retry_after_seconds(outcome.result())
            if asked is not None:
                return min(asked, self.max_wait)
        return float(self.backoff(state))


def _give_up(state: RetryCallState) -> Any:
    """After the last attempt: hand back the last answer (the caller raises the typed error),
    or re-raise the last connection error."""
    assert state.outcome is not None
    return state.outcome.result()


def _policy(attempts: int, initial: float, max_wait: float) -> dict[str, Any]:
    return {
        "retry": retry_if_exception_type(httpx.TransportError)
        | retry_if_result(lambda r: r.status_code in RETRY_STATUSES),
        "stop": stop_after_attempt(attempts),
        "wait": _Wait(initial, max_wait),
        "retry_error_callback": _give_up,
    }


def retrying(
    attempts: int, initial: float, max_wait: float, sleep: Callable[[float], Any] | None = None
) -> Retrying:
    policy = _policy(attempts, initial, max_wait)
    if sleep is not None:
        policy["sleep"] = sleep
    return Retrying(**policy)


def async_retrying(
    attempts: int, initial: float, max_wait: float, sleep: Callable[[float], Any] | None = None
) -> AsyncRetrying:
    policy = _policy(attempts, initial, max_wait)
    if sleep is not None:
        policy["sleep"] = sleep
    return AsyncRetrying(**policy)
