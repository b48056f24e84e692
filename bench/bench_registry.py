"""Registry benchmark: public verification with 100,000 certificates stored.

Single verification throughput and latency against the same server's trivial /healthz in the
same run (target >= 60%), and bulk verification of 1000 numbers (target p50 <= 50 ms), on
SQLite and PostgreSQL. Data is bulk-loaded (COPY on PostgreSQL), not through the API.

    python -m bench.bench_registry [--backend sqlite|postgresql|both] [--quick|--smoke]
"""

import json
import random
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bench.harness import (
    ServerProcess,
    backend_arguments,
    copy_rows,
    measure,
    print_table,
    result_row,
)
from services.registry.config import SERVICE_DIR
from shared import uscc
from shared.db import make_engine
from shared.testing.databases import drop_database, new_database

CERTIFICATES = 100_000
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
        for _ in range(20_000)
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
    rows = []
    for i, number in enumerate(numbers(count)):
        holder = holders[i % len(holders)]
        rows.append(
            (
                number,
                "CCC",
                "Household appliances",
                "Electric kettle",
                f"KT-{i}",
                holder,
                f"企业{i % len(holders)}有限公司",
                holder[2:8],
                bodies[i % len(bodies)][0],
                today - timedelta(days=100),
                today + timedelta(days=900),
                "张伟",
                STATUSES[i % len(STATUSES)],
                now,
                1,
            )
        )
    if engine.dialect.name == "postgresql":
        copy_rows(engine, "certificate", columns, rows)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    else:
        placeholders = ", ".join(f":{c}" for c in columns)
        with engine.begin() as conn:
            conn.execute(
                text(f"INSERT INTO certificate ({', '.join(columns)}) VALUES ({placeholders})"),
                [dict(zip(columns, r, strict=True)) for r in rows],
            )
            conn.execute(text("ANALYZE"))
    engine.dispose()


SIZES = {"full": CERTIFICATES, "quick": 10_000, "smoke": 1_000}


def run(backend: str, size: str) -> list[tuple[str, ...]]:
    count = SIZES[size]
    seconds = 8 if size == "full" else 3
    url = new_database(backend, SERVICE_DIR, Path(tempfile.mkdtemp()), "bench_registry")
    try:
        load(url, count)
        all_numbers = numbers(count)
        rng = random.Random(1)
        sample = rng.sample(all_numbers, min(5000, count))
        bulk = json.dumps({"numbers": rng.sample(all_numbers, 1000)}).encode()
        env = {
            "REGISTRY_DATABASE_URL": url,
            "REGISTRY_LOG_LEVEL": "WARNING",
            "REGISTRY_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
        }
        rows: list[tuple[str, ...]] = [
            ("backend", "endpoint", "req/s", "ratio", "p50 ms", "p99 ms", "errors")
        ]
        for label, cache_size in (("cached", "200000"), ("no cache", "0")):
            with ServerProcess(
                "services.registry.entrypoints.api:create_app",
                {**env, "REGISTRY_CACHE_SIZE": cache_size},
            ) as srv:
                trivial = measure(srv.url("/healthz"), seconds=seconds)
                single = measure(
                    [srv.url(f"/public/certificates/{n}") for n in sample],
                    seconds=seconds,
                    warmup=3 if cache_size != "0" else 1,
                )
                bulk_r = measure(
                    srv.url("/public/certificates/verify"),
                    method="POST",
                    body=bulk,
                    seconds=seconds,
                    connections=4,
                )
            rows += [
                result_row(backend, f"/healthz (baseline, {label} run)", trivial, trivial),
                result_row(backend, f"verify one ({label})", single, trivial),
                result_row(backend, f"verify 1000 ({label})", bulk_r, None),
            ]
        return rows
    finally:
        drop_database(url)


def main() -> None:
    backends, size = backend_arguments(__doc__, "10k certificates, short runs")
    rows: list[tuple[str, ...]] = []
    for backend in backends:
        result = run(backend, size)
        rows += result if not rows else result[1:]
    print_table(
        f"Registry verification, {SIZES[size]:,} certificates "
        "(targets: verify one >= 60% of /healthz; verify 1000 p50 <= 50 ms)",
        rows,
    )


if __name__ == "__main__":
    main()
