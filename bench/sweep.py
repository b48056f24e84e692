"""The size sweep: the registry and credit benchmarks at 100k and 1M rows (10M with
``--allow-10m``), each figure appended to a JSON-lines file, then one PNG chart per benchmark of
each ratio to /healthz (and each cache hit ratio) against size, in docs/bench/.

    python -m bench.sweep [--sizes 100k,1M] [--backend both] [--allow-10m] [--keep]
    python -m bench.sweep --chart-only FILE   # redraw from a previous run's figures
"""

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.harness import parse_size

CHART_DIR = Path(__file__).resolve().parent.parent / "docs" / "bench"
BENCHMARKS = ("bench.bench_registry", "bench.bench_credit")


def sweep(sizes: list[str], backend: str, allow_10m: bool, out: Path) -> None:
    for size in sizes:
        for module in BENCHMARKS:
            cmd = [sys.executable, "-m", module, "--backend", backend, "--size", size]
            cmd += ["--json", str(out)] + (["--allow-10m"] if allow_10m else [])
            subprocess.run(cmd, check=True)


Series = dict[str, dict[str, dict[str, list[tuple[int, float]]]]]


def series(figures: list[dict[str, Any]]) -> Series:
    """bench -> backend -> "workload (ratio|hit)" -> [(rows, value)], sorted by rows."""
    out: Series = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for f in figures:
        if f.get("smoke") or f["workload"].startswith("/healthz"):
            continue
        for key, label in (("ratio", "ratio"), ("hit_ratio", "hit")):
            if f.get(key) is not None:
                out[f["bench"]][f["backend"]][f"{f['workload']} ({label})"].append(
                    (f["rows"], f[key])
                )
    return {
        bench: {b: {n: sorted(p) for n, p in lines.items()} for b, lines in backends.items()}
        for bench, backends in out.items()
    }


def chart(figures: list[dict[str, Any]], directory: Path = CHART_DIR) -> list[Path]:
    """One PNG per benchmark, one panel per backend: ratios solid, hit ratios dashed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for bench, backends in sorted(series(figures).items()):
        fig, axes = plt.subplots(1, len(backends), figsize=(7 * len(backends), 5), squeeze=False)
        for ax, (backend, lines) in zip(axes[0], sorted(backends.items()), strict=True):
            workloads = sorted({n.rsplit(" (", 1)[0] for n in lines})
            colours = {w: f"C{i}" for i, w in enumerate(workloads)}
            for name, points in sorted(lines.items()):
                workload, kind = name.rsplit(" (", 1)
                ax.plot(
                    [p[0] for p in points],
                    [p[1] for p in points],
                    "--" if kind == "hit)" else "-",
                    marker="o" if kind == "ratio)" else "x",
                    color=colours[workload],
                    label=name,
                )
            ax.set_xscale("log")
            ax.set_xlabel("rows (certificates / enterprises)")
            ax.set_ylabel("ratio to /healthz (solid), cache hit ratio (dashed)")
            ax.set_title(f"{bench}, {backend}")
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=7, loc="best")
        fig.tight_layout()
        path = directory / f"{bench}-ratios.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100k,1M")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--allow-10m", action="store_true")
    parser.add_argument("--out", type=Path, default=CHART_DIR / "figures.jsonl")
    parser.add_argument("--chart-only", type=Path, help="draw from this JSON-lines file")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="add to the figures already in --out (e.g. make bench's 1M run) instead of "
        "starting afresh",
    )
    args = parser.parse_args()
    source = args.chart_only
    if source is None:
        sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
        if any(parse_size(s) > 1_000_000 for s in sizes) and not args.allow_10m:
            parser.error("sizes above 1M need --allow-10m")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if not args.keep:
            args.out.unlink(missing_ok=True)
        sweep(sizes, args.backend, args.allow_10m, args.out)
        source = args.out
    figures = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
    for path in chart(figures):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
