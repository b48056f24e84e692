"""``make bench``: every service's benchmark in turn (each prints ratios measured in its run)."""

import importlib
import sys

BENCHMARKS = (
    "bench.bench_registry",
    "bench.bench_credit",
    "bench.bench_inspection",
    "bench.bench_propagation",
    "bench.bench_recovery",
    "bench.bench_backfill",
    "bench.bench_workers",
)


def main() -> int:
    for name in BENCHMARKS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                print(f"({name} not present)")
                continue
            raise
        sys.argv = [name, *sys.argv[1:]]
        module.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
