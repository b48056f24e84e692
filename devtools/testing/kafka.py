"""Test helpers for Kafka."""

import time
from collections.abc import Callable

from shared.kafka import read_topic

__all__ = ["read_topic", "wait_until"]


def wait_until(condition: Callable[[], object], timeout: float = 30, interval: float = 0.1) -> None:
    """Poll ``condition`` until true; fail with AssertionError after ``timeout`` (liveness only)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
