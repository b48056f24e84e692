"""``make bench``: every service's benchmark in turn (each prints ratios measured in its run)."""

import importlib
import sys
import traceback

BENCHMARKS = (
    "bench.bench_registry",
    "bench.bench_credit",
    "bench.bench_inspection",
    "bench.bench_propagation",
    "bench.bench_recovery",
    "bench.bench_backfill",
    "bench.bench_workers",
)


# Benchmarks with their own command line: they take --backend/--quick/--smoke, not --size/--json.
OWN_PARSER = {"bench.bench_propagation", "bench.bench_recovery"}
HARNESS_ONLY = {"--size": 1, "--json": 1, "--allow-10m": 0}  # option: values it takes


def arguments_for(name: str, argv: list[str]) -> list[str]:
    if name not in OWN_PARSER:
        return argv
    kept: list[str] = []
    skip = 0
    for arg in argv:
        if skip:
            skip -= 1
        elif arg.split("=", 1)[0] in HARNESS_ONLY:
            skip = 0 if "=" in arg else HARNESS_ONLY[arg]
        else:
            kept.append(arg)
    return kept


def main() -> int:
    argv = sys.argv[1:]
    failed: list[str] = []
    for name in BENCHMARKS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                print(f"({name} not present)")
                continue
            raise
        sys.argv = [name, *arguments_for(name, argv)]
        # one benchmark's crash must not hide the others' figures: report it and go on
        try:
            module.main()
        except Exception:
            traceback.print_exc()
            failed.append(name)
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
