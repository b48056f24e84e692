"""The README's benchmark tables quote docs/bench/figures.jsonl, the figures `make bench` and
`bench.sweep` wrote: a figure edited by hand, or left behind when the file is regenerated, fails
here."""

import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = {"PG": "postgresql", "SQLite": "sqlite"}
SIZES = {"100k": 100_000, "1M": 1_000_000}


def _figures() -> dict[tuple[str, int, str], dict[str, Any]]:
    figures = {}
    for line in (ROOT / "docs/bench/figures.jsonl").read_text().splitlines():
        if line.strip():
            figure = json.loads(line)
            workload = re.sub(r" \(.*\)$", "", figure["workload"]).lower()
            figures[(figure["backend"], figure["rows"], workload)] = figure
    return figures


def _readme_cells() -> list[tuple[str, int, str, str, str]]:
    """(backend, rows, workload, statistic, cell) for every figure in the README's tables."""
    section = (ROOT / "README.md").read_text().split("### Figures", 1)[1].split("\n## ", 1)[0]
    cells = []
    header: list[tuple[str, int]] = []
    for line in section.splitlines():
        parts = [p.strip() for p in line.strip().strip("|").split("|")]
        if not line.startswith("|") or set(parts[0]) <= {"-"}:
            continue
        if parts[0].startswith("workload"):
            header = [(COLUMNS[c.split()[0]], SIZES[c.split()[1]]) for c in parts[1:]]
            continue
        label = re.sub(r" \([^)]*\)$", "", parts[0]).lower()
        label, _, statistic = label.partition(", p")
        for (backend, rows), cell in zip(header, parts[1:], strict=True):
            cells.append((backend, rows, label, f"p{statistic}" if statistic else "ratio", cell))
    return cells


def test_every_readme_figure_is_the_one_make_bench_wrote() -> None:
    figures = _figures()
    cells = _readme_cells()
    assert len(cells) >= 40  # the registry and credit tables, four columns each
    for backend, rows, workload, statistic, cell in cells:
        figure = figures[(backend, rows, workload)]
        assert figure["smoke"] is False
        if statistic == "ratio":
            quoted = int(cell.split("%")[0])
            assert quoted == round(figure["ratio"] * 100), (workload, backend, cell)
            hit = re.search(r"hit (\d+)%", cell)
            if hit:
                expected = round(figure["hit_ratio"] * 100)
                assert int(hit.group(1)) == expected, (workload, backend, cell)
        else:
            quoted_ms = float(cell.split(" ms")[0])
            assert quoted_ms == round(figure[f"{statistic}_ms"], 1), (workload, cell)
        words = cell.split()
        if "ok" in words or "MISSED" in words:
            assert figure["met"] is ("ok" in words), (workload, backend, cell)
