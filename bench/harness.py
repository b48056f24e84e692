"""Benchmark harness: a real uvicorn server in a subprocess, load from wrk in another.

Figures on these shared 2-core machines vary by up to 30% between runs, so every benchmark
reports ratios against a baseline measured in the same run (e.g. the trivial /healthz).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from shared.processes import die_with_parent
from shared.testing.broker import free_port

# Benchmarks measure the services, not the abuse limits: test environment, no rate limiting.
BENCH_ENV = {
    "ENVIRONMENT": "test",
    **{f"{svc}_RATE_LIMIT_ENABLED": "false" for svc in ("REGISTRY", "INSPECTION", "CREDIT")},
}

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


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed: run `make bench` (it installs Debian's wrk)")
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


def _run_wrk(origin: str, script: Path, seconds: float, connections: int) -> str:
    cmd = [
        wrk_binary(),
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


def backend_arguments(description: str | None, quick_help: str) -> tuple[list[str], bool]:
    """The benchmarks' common command line: ``--backend sqlite|postgresql|both`` and
    ``--quick``; returns the backends to run and whether to run small."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help=quick_help)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    return backends, bool(args.quick)
