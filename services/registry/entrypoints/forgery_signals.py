"""Forgery signals: lookups of certificate numbers that do not exist, counted per number
pattern and per client, exported to Prometheus (alert rules in deploy/prometheus/alerts.yml)
and shown to regulators.

Counts live in the API process (each replica counts its own lookups; Prometheus sums them).
Pattern labels are bounded so a forger cannot blow up the metrics by inventing shapes.
"""

import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from services.registry.domain.numbers import number_pattern

MAX_PATTERNS = 200  # distinct pattern labels; later ones are counted as "other"
OTHER = "other"


class NotFoundTracker(Collector):
    """Not-found lookups: totals per pattern, and a sliding window per client."""

    def __init__(
        self, window_seconds: float = 600, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.window_seconds = window_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._by_pattern: Counter[str] = Counter()
        self._recent: deque[tuple[float, str, str]] = deque()  # (time, client, pattern)

    def record(self, client: str, numbers: Iterable[str]) -> None:
        now = self._clock()
        with self._lock:
            for number in numbers:
                pattern = number_pattern(number)
                if pattern not in self._by_pattern and len(self._by_pattern) >= MAX_PATTERNS:
                    pattern = OTHER
                self._by_pattern[pattern] += 1
                self._recent.append((now, client, pattern))
            self._prune(now)

    def _prune(self, now: float) -> None:
        horizon = now - self.window_seconds
        while self._recent and self._recent[0][0] < horizon:
            self._recent.popleft()

    def window(self) -> tuple[Counter[str], Counter[str]]:
        """Not-found lookups in the window, per client and per pattern."""
        with self._lock:
            self._prune(self._clock())
            clients = Counter(client for _, client, _ in self._recent)
            patterns = Counter(pattern for _, _, pattern in self._recent)
        return clients, patterns

    def snapshot(self, top: int = 20) -> dict:
        clients, patterns = self.window()
        return {
            "window_seconds": self.window_seconds,
            "not_found_in_window": sum(clients.values()),
            "by_client": [{"client": c, "count": n} for c, n in clients.most_common(top)],
            "by_pattern": [{"pattern": p, "count": n} for p, n in patterns.most_common(top)],
        }

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            totals = dict(self._by_pattern)
        clients, _ = self.window()
        total = CounterMetricFamily(
            "registry_certificate_not_found",
            "Lookups of certificate numbers that do not exist, by number pattern",
            labels=["pattern"],
        )
        for pattern, count in totals.items():
            total.add_metric([pattern], count)
        yield total
        peak = GaugeMetricFamily(
            "registry_certificate_not_found_client_peak",
            "Most not-found lookups by a single client within the sliding window",
        )
        peak.add_metric([], max(clients.values(), default=0))
        yield peak
        window = GaugeMetricFamily(
            "registry_certificate_not_found_window",
            "Not-found lookups within the sliding window, all clients",
        )
        window.add_metric([], sum(clients.values()))
        yield window
