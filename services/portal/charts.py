"""Pass rates of published inspection results, grouped for the bar charts (pure)."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    label: str
    passed: int
    total: int

    @property
    def percent(self) -> float:
        return round(100 * self.passed / self.total, 1) if self.total else 0.0


def pass_rates(results: Iterable[dict], key: Callable[[dict], str | None]) -> list[Rate]:
    """Refused inspections count as not passed (the law treats refusal as a failure to comply)."""
    passed: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for r in results:
        outcome = (r.get("result") or {}).get("outcome")
        if outcome is None:
            continue
        label = key(r) or "-"
        total[label] += 1
        passed[label] += outcome == "pass"
    return sorted((Rate(k, passed[k], total[k]) for k in total), key=lambda r: r.label)


def bars(counts: dict[str, int]) -> list[tuple[str, int, float]]:
    """(label, count, percent of the largest) for a plain HTML bar chart."""
    top = max(counts.values(), default=0)
    return [(k, v, round(100 * v / top, 1) if top else 0.0) for k, v in counts.items()]
