"""Benchmark harness: a real uvicorn server in a subprocess, load from wrk in another (or, where
wrk is not installed, from httpx client threads in this process: slower, but the benchmark runs).

Figures on these shared 2-core machines vary by up to 30% between runs, so every benchmark
reports ratios against a baseline measured in the same run (e.g. the trivial /healthz).
"""

import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

import httpx
import psycopg
from sqlalchemy.engine import Engine

from devtools.testing.broker import free_port
from shared.processes import die_with_parent

# Benchmarks measure the services, not the abuse limits: test environment, no rate limiting.
BENCH_ENV = {
    "ENVIRONMENT": "test",
    **{f"{svc}_RATE_LIMIT_ENABLED": "false" for svc in ("REGISTRY", "INSPECTION", "CREDIT")},
}

# Set by backend_arguments(--smoke): load runs shrink to 1 s without warm-up.
SMOKE = False
_warned_no_wrk = False

WRK_SCRIPT = """
local paths = {%(paths)s}
local i = 0
wrk.method = "%(method)s"
%(body)s
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = (i %% #paths) + 1
  return wrk.format(nil, paths[i])
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
               + summary.errors.status + summary.errors.timeout
  io.write(string.format('\\nRESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, "errors": %%d, "non_2xx": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors, summary.errors.status))
end
"""


@dataclass(frozen=True)
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int

    def ratio_to(self, baseline: "Result") -> float:
        return self.rps / baseline.rps if baseline.rps else 0.0


class ServerProcess:
    """``with ServerProcess("pkg.module:create_app", env) as srv: srv.url("/healthz")``."""

    def __init__(
        self, factory: str, env: dict[str, str], port: int | None = None, workers: int = 1
    ) -> None:
        self.factory = factory
        self.env = env
        self.port = port or free_port()
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None
        self.log = Path(tempfile.mkdtemp(prefix="bench-")) / "server.log"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> "ServerProcess":
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            self.factory,
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                cmd,
                env={**os.environ, **BENCH_ENV, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,  # noqa: PLW1509
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url("/healthz"), timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not become healthy")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def copy_rows(
    engine: Engine, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Bulk-load rows into a PostgreSQL table with COPY, through psycopg's typed API (so that
    mypy catches a misspelt method, as `copy.writeresult_row` once was)."""
    raw = engine.raw_connection()
    try:
        connection = cast("psycopg.Connection[Any]", raw.driver_connection)
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        connection.commit()
    finally:
        raw.close()


def bulk_insert(
    engine: Engine, table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]
) -> None:
    if engine.dialect.name == "postgresql":
        copy_rows(engine, table, columns, rows)
        return
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("BEGIN")
        marks = ", ".join("?" for _ in columns)
        cur.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
            # sqlite3 takes any iterable; a list of a million rows would not fit the bench box
            (tuple(_sqlite(v) for v in row) for row in rows),  # type: ignore[arg-type]
        )
        raw.commit()
    finally:
        raw.close()


def _sqlite(value: Any) -> Any:
    """What SQLAlchemy's types would bind on SQLite (ISO text for dates and times)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def wrk_binary() -> str | None:
    """wrk, or None (then httpx threads generate the load; `make bench` installs wrk)."""
    global _warned_no_wrk
    found = shutil.which("wrk")
    if not found and not _warned_no_wrk:
        _warned_no_wrk = True
        print(
            "(wrk is not installed: load comes from httpx threads, figures are lower than wrk's;"
            " `make bench` installs Debian's wrk)",
            flush=True,
        )
    return found


def measure(
    urls: list[str] | str,
    *,
    seconds: float = 5,
    connections: int = 32,
    method: str = "GET",
    body: bytes | None = None,
    warmup: float = 1.0,
) -> Result:
    """Drive the URLs (cycled) with wrk -t1 -c<connections>; returns throughput and latency."""
    urls = [urls] if isinstance(urls, str) else urls
    if SMOKE:
        seconds, warmup = min(seconds, 1.0), 0.0
    if wrk_binary() is None:
        if warmup:
            _measure_httpx(urls, warmup, connections, method, body)
        return _measure_httpx(urls, seconds, connections, method, body)
    base = urls[0].split("/", 3)
    origin = "/".join(base[:3])
    paths = [u[len(origin) :] or "/" for u in urls]
    lua_paths = ",".join(json.dumps(p) for p in paths)
    lua_body = f"wrk.body = {json.dumps(body.decode())}" if body else ""
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(WRK_SCRIPT % {"paths": lua_paths, "method": method, "body": lua_body})
    if warmup:
        _run_wrk(origin, script, warmup, connections)
    out = _run_wrk(origin, script, seconds, connections)
    script.unlink(missing_ok=True)
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    data = json.loads(line.removeprefix("RESULT "))
    return Result(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        requests=data["requests"],
        errors=data["errors"],
    )


def _measure_httpx(
    urls: list[str], seconds: float, connections: int, method: str, body: bytes | None
) -> Result:
    """The fallback load generator: `connections` threads (at most 8, the GIL caps the rest),
    each with a keep-alive client, cycling the URLs until the time is up."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    headers = {"Content-Type": "application/json"}
    # Clients are built before the clock starts (each loads a TLS context, ~0.1 s).
    clients = [httpx.Client(timeout=5, headers=headers) for _ in range(min(connections, 8))]
    deadline = time.monotonic() + seconds

    def worker(client: httpx.Client, offset: int) -> None:
        mine: list[float] = []
        failed = 0
        for url in itertools.islice(itertools.cycle(urls), offset, None):
            if time.monotonic() >= deadline:
                break
            start = time.perf_counter()
            try:
                ok = client.request(method, url, content=body).is_success
            except httpx.HTTPError:
                ok = False
            mine.append(time.perf_counter() - start)
            failed += not ok
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(c, i)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    for client in clients:
        client.close()
    if not latencies:
        raise RuntimeError(f"no request completed in {seconds} s against {urls[0]}")
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return Result(
        rps=len(latencies) / elapsed,
        p50_ms=cuts[49] * 1000,
        p99_ms=cuts[98] * 1000,
        requests=len(latencies),
        errors=errors[0],
    )


def _run_wrk(origin: str, script: Path, seconds: float, connections: int) -> str:
    binary = wrk_binary()
    assert binary is not None
    cmd = [
        binary,
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
        origin + "/",
    ]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def print_table(title: str, rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    print(f"\n{title}")
    for i, row in enumerate(rows):
        print("  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths))


def result_row(backend: str, name: str, r: Result, baseline: Result | None) -> tuple[str, ...]:
    """A table row: throughput, ratio to the same run's baseline, latency, errors."""
    ratio = f"{r.ratio_to(baseline):.0%}" if baseline else "-"
    return (
        backend,
        name,
        f"{r.rps:,.0f}",
        ratio,
        f"{r.p50_ms:.1f}",
        f"{r.p99_ms:.1f}",
        str(r.errors),
    )


@dataclass(frozen=True)
class Target:
    """``ratio >= 0.5`` of /healthz, or a latency bound: ``p50 <= 50`` ms, ``p99 <= 50`` ms."""

    measure: str  # "ratio", "p50" or "p99"
    bound: float

    def met(self, r: Result, baseline: Result | None) -> bool:
        if r.requests == 0:  # nothing answered within the run: no latency to speak of
            return False
        if self.measure == "ratio":
            return baseline is not None and r.ratio_to(baseline) >= self.bound
        return (r.p50_ms if self.measure == "p50" else r.p99_ms) <= self.bound

    def __str__(self) -> str:
        if self.measure == "ratio":
            return f"ratio >= {self.bound:.0%}"
        return f"{self.measure} <= {self.bound:g} ms"


FIGURE_HEADER = (
    "backend", "rows", "workload", "req/s", "ratio", "hit", "p50 ms", "p99 ms", "errors",
    "RSS MB", "target", "",
)  # fmt: skip
RESULTS: list[dict[str, Any]] = []


def figure_row(
    bench: str,
    backend: str,
    rows: int,
    name: str,
    r: Result,
    baseline: Result | None,
    *,
    hit_ratio: float | None = None,
    rss_mb: float | None = None,
    target: Target | None = None,
) -> tuple[str, ...]:
    """A table row with the cache hit ratio, the worker's RSS and the target's verdict (ok /
    MISSED); also kept in RESULTS for ``--json``."""
    ratio = r.ratio_to(baseline) if baseline else None
    met = target.met(r, baseline) if target else None
    RESULTS.append(
        {
            "bench": bench, "backend": backend, "rows": rows, "workload": name, "rps": r.rps,
            "ratio": ratio, "hit_ratio": hit_ratio, "p50_ms": r.p50_ms, "p99_ms": r.p99_ms,
            "errors": r.errors, "rss_mb": rss_mb, "target": str(target) if target else None,
            "met": met, "smoke": SMOKE,
        }
    )  # fmt: skip
    return (
        backend,
        f"{rows:,}",
        name,
        f"{r.rps:,.0f}",
        "-" if ratio is None else f"{ratio:.0%}",
        "-" if hit_ratio is None else f"{hit_ratio:.0%}",
        f"{r.p50_ms:.1f}",
        f"{r.p99_ms:.1f}",
        str(r.errors),
        "-" if rss_mb is None else f"{rss_mb:.0f}",
        str(target) if target else "",
        "" if met is None else "ok" if met else "MISSED",
    )


def write_results() -> None:
    """Append this run's figures to the ``--json`` file (one JSON object a line)."""
    if JSON_PATH is None:
        return
    with JSON_PATH.open("a") as out:
        for result in RESULTS:
            out.write(json.dumps(result) + "\n")
    RESULTS.clear()


SIZE_NAMES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
ROWS: int | None = None  # --size: certificates / enterprises (None: the benchmark's default)
JSON_PATH: Path | None = None


def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    if text in SIZE_NAMES:
        return SIZE_NAMES[text]
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def backend_arguments(description: str | None, quick_help: str) -> tuple[list[str], str]:
    """The benchmarks' common command line: ``--backend sqlite|postgresql|both`` and
    ``--quick`` or ``--smoke``; returns the backends to run and the size: "full", "quick" or
    "smoke" (tiny data and 1 s load runs: proves the benchmark works, figures mean little).
    ``--size 100k|1M|10M`` sets the rows of the benchmarks that scale (10M only with
    ``--allow-10m``, never with ``--smoke``); ``--json FILE`` appends every figure to FILE."""
    import argparse

    global SMOKE, ROWS, JSON_PATH
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--smoke", action="store_true", help="tiny data, 1 s runs (CI)")
    parser.add_argument("--size", type=parse_size, help="rows: 100k, 1M, 10M (or any count)")
    parser.add_argument("--allow-10m", action="store_true", help="permit sizes above 1M")
    parser.add_argument("--json", type=Path, help="append each figure as a JSON line")
    args = parser.parse_args()
    if args.size and args.size > 1_000_000 and not args.allow_10m:
        parser.error("sizes above 1M need --allow-10m (hours of loading and GBs of disk)")
    if args.size and args.smoke:
        parser.error("--smoke runs tiny data; --size is for real runs")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    SMOKE = bool(args.smoke)
    ROWS = args.size
    JSON_PATH = args.json
    return backends, "smoke" if args.smoke else "quick" if args.quick else "full"
