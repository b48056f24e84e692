"""Process plumbing for the long-running workers (relays, consumers, schedulers)."""

import signal
import threading
from collections.abc import Callable


def stop_on_signals() -> threading.Event:
    """An event set on SIGTERM/SIGINT so workers finish the current batch and exit cleanly."""
    stop = threading.Event()

    def handler(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


def die_with_parent() -> None:
    """Linux: deliver SIGTERM to this process when its parent dies (no orphaned brokers)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def sleeper(stop: threading.Event) -> Callable[[float], None]:
    """A sleep for retry loops (tenacity's ``sleep=``) that wakes at once on SIGTERM."""

    def sleep(seconds: float) -> None:
        stop.wait(seconds)

    return sleep
