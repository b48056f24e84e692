"""Registry benchmark: public verification with 100,000 certificates stored (``--size``).

Single verification throughput against the same server's trivial /healthz in the same run, for
three key workloads: a hot set of 5,000 numbers (target >= 70%), Zipf s = 1.1 over every
certificate (>= 50%) and uniform over every certificate (>= 30%), with the verification cache
bounded in memory to 10% of what every certificate would take in it. Each cache is warmed by
count first; the hit ratio measured by the server is printed beside each figure. Then bulk
verification of 1000 numbers with no cache (target p50 <= 50 ms) and public search by holder
name (target p99 <= 50 ms). Data is bulk-loaded (COPY on PostgreSQL), not through the API.

    python -m bench.bench_registry [--backend sqlite|postgresql|both] [--quick|--smoke]
                                   [--size 100k|1M] [--json FILE]
"""

import json
import random
import statistics
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import text

from bench import harness
from bench.harness import (
    FIGURE_HEADER,
    ServerProcess,
    Target,
    backend_arguments,
    bulk_insert,
    figure_row,
    measure,
    print_table,
    write_results,
)
from bench.workloads import key_file, lookups, rss_mb, run_keys
from devtools.testing.databases import drop_database, new_database
from services.registry.config import SERVICE_DIR
from services.registry.entrypoints.cache import load_entries
from shared import uscc
from shared.cache import ENTRY_OVERHEAD, deep_sizeof
from shared.clock import today_in_china
from shared.db import make_engine

CERTIFICATES = 100_000
HOLDERS = 20_000
HOT = 5_000
WORKLOADS = (  # name, key distribution, target ratio to /healthz
    ("hot set", "hot", Target("ratio", 0.70)),
    ("zipf s=1.1", "zipf", Target("ratio", 0.50)),
    ("uniform", "uniform", Target("ratio", 0.30)),
)
BULK_TARGET = Target("p50", 50)
SEARCH_TARGET = Target("p99", 50)
MB = 1024 * 1024
STATUSES = (
    ["valid"] * 80 + ["suspended"] * 5 + ["revoked"] * 5 + ["expired"] * 7 + ["cancelled"] * 3
)


def numbers(n: int) -> list[str]:
    return [f"BENCH-{i:07d}" for i in range(n)]


def load(url: str, count: int) -> None:
    rng = random.Random(7)
    now = datetime.now(UTC)
    bodies = [(f"CNCA-R-BENCH-{b:03d}", f"Bench body {b}") for b in range(20)]
    holders = [
        uscc.make(f"9133{rng.randrange(10**4):04d}M{rng.randrange(10**7):07d}")
        for _ in range(HOLDERS)
    ]
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO certification_body (id, name, region_code, approved_schemes, "
                "accreditation_status, registered_at) VALUES (:id, :name, '330000', :s, "
                "'active', :now)"
            ),
            [{"id": b, "name": n, "s": json.dumps(["CCC"]), "now": now} for b, n in bodies],
        )
    columns = (
        "number",
        "scheme",
        "scope",
        "product_name",
        "product_model",
        "holder_uscc",
        "holder_name",
        "holder_region",
        "body_id",
        "issue_date",
        "expiry_date",
        "signer_name",
        "status",
        "created_at",
        "version",
    )
    today = date.today()

    def rows() -> Iterator[tuple[Any, ...]]:
        for i, number in enumerate(numbers(count)):
            holder = holders[i % len(holders)]
            yield (
                number, "CCC", "Household appliances", "Electric kettle", f"KT-{i}", holder,
                f"企业{i % len(holders)}有限公司", holder[2:8], bodies[i % len(bodies)][0],
                today - timedelta(days=100), today + timedelta(days=900), "张伟",
                STATUSES[i % len(STATUSES)], now, 1,
            )  # fmt: skip

    bulk_insert(engine, "certificate", columns, rows())
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


SIZES = {"full": CERTIFICATES, "quick": 10_000, "smoke": 1_000}


def entry_bytes(url: str, sample: list[str]) -> float:
    """What one certificate takes in the verification cache (the server's own estimate)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        values = load_entries(conn, sample, today_in_china())
    engine.dispose()
    return ENTRY_OVERHEAD + statistics.mean(deep_sizeof(v) for v in values.values())


def warm(srv: ServerProcess, keys: list[str]) -> None:
    """Warm by count: every key, through bulk verification (the same cache, 1000 a request)."""
    with httpx.Client(timeout=60) as client:
        for i in range(0, len(keys), 1000):
            r = client.post(
                srv.url("/public/certificates/verify"), json={"numbers": keys[i : i + 1000]}
            )
            r.raise_for_status()


class Run:
    def __init__(self, backend: str, count: int, seconds: float) -> None:
        self.backend, self.count, self.seconds = backend, count, seconds
        self.rows: list[tuple[str, ...]] = []

    def row(self, name: str, *args: object, **kwargs: object) -> None:
        self.rows.append(figure_row("registry", self.backend, self.count, name, *args, **kwargs))  # type: ignore[arg-type]


def cached_runs(run: Run, srv: ServerProcess, keys: list[str], hot: int, capacity: int) -> None:
    trivial = measure(srv.url("/healthz"), seconds=run.seconds)
    run.row("/healthz (baseline, cached run)", trivial, trivial, rss_mb=rss_mb(srv))
    keys_path = key_file(keys)
    for name, dist, target in WORKLOADS:
        # the hot set, or as many of the most likely keys as the cache holds
        warm(srv, keys[:hot] if dist == "hot" else keys[:capacity])
        before = lookups(srv, "verification")
        r = run_keys(srv, "/public/certificates/", keys_path, dist, hot=hot, seconds=run.seconds)
        hits = lookups(srv, "verification").since(before).hit_ratio
        label = f"verify one, {name}" + (f" {hot:,}" if dist == "hot" else "")
        run.row(label, r, trivial, hit_ratio=hits, rss_mb=rss_mb(srv), target=target)
    keys_path.unlink()
    rng = random.Random(3)
    terms = [quote(f"企业{rng.randrange(1000, HOLDERS)}有限") for _ in range(500)]
    search = measure(
        [srv.url(f"/public/certificates?holder_name={t}&limit=20") for t in terms],
        seconds=run.seconds,
        connections=4,
    )
    run.row("search by holder name (4 clients)", search, None, target=SEARCH_TARGET)


def uncached_runs(run: Run, srv: ServerProcess, keys: list[str], bulk: bytes) -> None:
    trivial = measure(srv.url("/healthz"), seconds=run.seconds)
    run.row("/healthz (baseline, no-cache run)", trivial, trivial, rss_mb=rss_mb(srv))
    keys_path = key_file(keys)
    before = lookups(srv, "verification")
    r = run_keys(srv, "/public/certificates/", keys_path, "uniform", seconds=run.seconds)
    hits = lookups(srv, "verification").since(before).hit_ratio
    run.row("verify one, uniform, no cache", r, trivial, hit_ratio=hits, rss_mb=rss_mb(srv))
    keys_path.unlink()
    bulk_r = measure(
        srv.url("/public/certificates/verify"),
        method="POST",
        body=bulk,
        seconds=run.seconds,
        connections=4,
    )
    run.row("verify 1000, no cache (4 clients)", bulk_r, None, target=BULK_TARGET)


def run(backend: str, size: str) -> list[tuple[str, ...]]:
    count = harness.ROWS or SIZES[size]
    seconds = 8 if size == "full" else 3
    url = new_database(backend, SERVICE_DIR, Path(tempfile.mkdtemp()), "bench_registry")
    try:
        load(url, count)
        rng = random.Random(1)
        keys = numbers(count)
        rng.shuffle(keys)  # Zipf's ranks and the hot set fall on random certificates
        per_entry = entry_bytes(url, keys[:200])
        capacity = max(count // 10, 1)  # entries in 10% of what all certificates would take
        hot = min(HOT, capacity // 2)
        env = {
            "REGISTRY_DATABASE_URL": url,
            "REGISTRY_LOG_LEVEL": "WARNING",
            "REGISTRY_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
        }
        result = Run(backend, count, seconds)
        factory = "services.registry.entrypoints.api:create_app"
        cache_mb = f"{capacity * per_entry / MB:.3f}"
        with ServerProcess(factory, {**env, "REGISTRY_CACHE_MB": cache_mb}) as srv:
            cached_runs(result, srv, keys, hot, capacity)
        bulk = json.dumps({"numbers": rng.sample(keys, min(1000, count))}).encode()
        with ServerProcess(factory, {**env, "REGISTRY_CACHE_MB": "0"}) as srv:
            uncached_runs(result, srv, keys, bulk)
        print(
            f"({backend}: verification cache {cache_mb} MB = 10% of {count:,} x {per_entry:,.0f} B)"
        )
        return result.rows
    finally:
        drop_database(url)


def main() -> None:
    backends, size = backend_arguments(__doc__, "10k certificates, short runs")
    rows: list[tuple[str, ...]] = [FIGURE_HEADER]
    for backend in backends:
        rows += run(backend, size)
    print_table(
        f"Registry verification, {harness.ROWS or SIZES[size]:,} certificates "
        "(ratio: to the same run's /healthz; hit: the cache's hit ratio in that run)",
        rows,
    )
    write_results()


if __name__ == "__main__":
    main()
