"""API workers (issue 17 item 6): one read path under 1 and 2 uvicorn worker processes.

The registry's public verification (``GET /public/certificates/{number}``, cache on, every
sampled number requested once before measuring) and the same server's ``/healthz``, each with
``--workers 1`` and ``--workers 2`` in the same run. Then the cross-worker check: a certificate
suspended through one worker must be reported suspended by every worker within the cache's
refresh period (each worker polls the change log), counted as stale answers after it.

    python -m bench.bench_workers [--backend sqlite|postgresql|both] [--quick|--smoke]
"""

import random
import tempfile
import time
from pathlib import Path

import httpx

from bench.bench_registry import load, numbers
from bench.harness import ServerProcess, backend_arguments, measure, print_table, result_row
from devtools.testing.databases import drop_database, new_database
from services.registry.config import SERVICE_DIR, RegistrySettings
from shared.auth.tokens import dev_token

SIZES = {"full": 100_000, "quick": 10_000, "smoke": 1_000}
REFRESH = 0.5  # REGISTRY_CACHE_REFRESH_SECONDS in this benchmark


def stale_after_write(srv: ServerProcess, url: str, number: str) -> tuple[float, int]:
    """Suspend ``number`` through the server; seconds until 50 answers in a row (spread over
    the workers by fresh connections) say suspended, and how many said valid after REFRESH."""
    settings = RegistrySettings(database_url=url, environment="test")
    body = "CNCA-R-BENCH-" + f"{int(number.rsplit('-', 1)[1]) % 20:03d}"
    token = dev_token(settings, role="certification_body", sub="bench", body_id=body)
    for _ in range(20):  # every worker has it cached as valid
        assert httpx.get(srv.url(f"/public/certificates/{number}")).json()["status"] == "valid"
    r = httpx.post(
        srv.url(f"/certificates/{number}/suspend"),
        headers={"Authorization": f"Bearer {token}"},
        json={"reason_code": "surveillance_nonconformity", "reason": "bench"},
    )
    r.raise_for_status()
    start, in_a_row, stale = time.monotonic(), 0, 0
    while in_a_row < 50:
        status = httpx.get(srv.url(f"/public/certificates/{number}")).json()["status"]
        in_a_row = in_a_row + 1 if status == "suspended" else 0
        stale += status != "suspended" and time.monotonic() - start > REFRESH
        if time.monotonic() - start > 30:
            raise RuntimeError("a worker kept serving the old status")
    return time.monotonic() - start, stale


def run(backend: str, size: str) -> list[tuple[str, ...]]:
    count = SIZES[size]
    seconds = 8 if size == "full" else 3
    url = new_database(backend, SERVICE_DIR, Path(tempfile.mkdtemp()), "bench_workers")
    rows: list[tuple[str, ...]] = []
    try:
        load(url, count)
        sample = random.Random(1).sample(numbers(count), min(5000, count))
        valid = [n for n in sample if int(n.rsplit("-", 1)[1]) % 100 < 80]  # STATUSES
        env = {
            "REGISTRY_DATABASE_URL": url,
            "REGISTRY_LOG_LEVEL": "WARNING",
            "REGISTRY_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
            "REGISTRY_CACHE_REFRESH_SECONDS": str(REFRESH),
        }
        for workers in (1, 2):
            with ServerProcess(
                "services.registry.entrypoints.api:create_app", env, workers=workers
            ) as srv:
                trivial = measure(srv.url("/healthz"), seconds=seconds)
                paths = [srv.url(f"/public/certificates/{n}") for n in sample]
                for path in paths:  # warm by count: every sampled number (each worker some)
                    httpx.get(path)
                single = measure(paths, seconds=seconds)
                settle, stale = stale_after_write(srv, url, valid[workers])
            rows += [
                result_row(backend, f"/healthz, {workers} worker(s)", trivial, trivial),
                result_row(backend, f"verify one (cached), {workers} worker(s)", single, trivial),
            ]
            rows.append(
                (backend, f"after a write, {workers} worker(s)", "-", "-",
                 f"all fresh in {settle:.2f} s", f"stale after {REFRESH} s: {stale}",
                 "ok" if stale == 0 else "MISSED")
            )  # fmt: skip
        return rows
    finally:
        drop_database(url)


def main() -> None:
    backends, size = backend_arguments(__doc__, "10k certificates, short runs")
    rows: list[tuple[str, ...]] = [
        ("backend", "endpoint", "req/s", "ratio", "p50 ms", "p99 ms", "errors")
    ]
    for backend in backends:
        rows += run(backend, size)
    print_table(f"API workers: 1 vs 2 on {SIZES[size]:,} certificates", rows)


if __name__ == "__main__":
    main()
