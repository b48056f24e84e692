"""Credit benchmark: 200,000 enterprises (``--size``) and five credit records each stored.

Public profile lookup throughput against the same server's trivial /healthz in the same run,
for a hot set of 5,000 enterprises (target >= 70%), Zipf s = 1.1 over every enterprise (>= 50%)
and uniform over every enterprise (>= 30%), with the profile cache bounded in memory to 10% of
what every profile would take in it, warmed by count, the server's hit ratio beside each
figure; and a disclosure-feed page of 100 entries from random cursors (target p99 <= 50 ms,
measured with 4 concurrent portals), on SQLite and PostgreSQL. Data is bulk-loaded (COPY on
PostgreSQL, one executemany transaction on SQLite), never through the API.

    python -m bench.bench_credit [--backend sqlite|postgresql|both] [--quick|--smoke]
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
from bench.workloads import each_once, key_file, lookups, rss_mb, run_keys
from devtools.testing.databases import drop_database, new_database
from services.credit.config import SERVICE_DIR
from services.credit.domain.grading import CURRENT_RULES, assess
from services.credit.domain.periods import add_months
from services.credit.entrypoints.cache import load_entries
from shared import uscc
from shared.cache import ENTRY_OVERHEAD, deep_sizeof
from shared.clock import today_in_china
from shared.db import make_engine
from shared.pagination import encode_cursor

ENTERPRISES = 200_000
RECORDS_PER_ENTERPRISE = 5
HOT = 5_000
WORKLOADS = (  # name, key distribution, target ratio to /healthz
    ("hot set", "hot", Target("ratio", 0.70)),
    ("zipf s=1.1", "zipf", Target("ratio", 0.50)),
    ("uniform", "uniform", Target("ratio", 0.30)),
)
FEED_TARGET = Target("p99", 50)
MB = 1024 * 1024
# (class, severity, months published, weight)
CLASSES = [
    ("penalty_warning", "minor", 3, 10),
    ("penalty_small_fine", "minor", 3, 20),
    ("penalty", "general", 36, 35),
    ("penalty", "serious", 36, 10),
    ("spot_check_failed", "general", 36, 15),
    ("inspection_refused", "serious", 36, 3),
    ("commendation", "positive", 36, 7),
]
MEASURES = ["no_new_certificates", "increased_inspection_frequency", "no_six_month_exemption"]
RECORD_COLUMNS = (
    "id", "uscc", "record_class", "severity", "sector", "title", "facts", "legal_basis",
    "decision_number", "decision_date", "source_service", "source_department",
    "publication_until", "persons", "disclosed", "disclosure_ended_on", "disclosure_end_reason",
    "recorded_by", "recorded_at",
)  # fmt: skip
ENTERPRISE_COLUMNS = (
    "uscc", "name", "region_code", "category", "risk_grade", "grade_score", "grade_rule_version",
    "graded_at", "registered_at", "version",
)  # fmt: skip
LISTING_COLUMNS = (
    "id", "uscc", "status", "reason", "legal_basis", "basis_record_ids", "measure_codes",
    "term_years", "proposed_on", "proposed_by", "objection_deadline", "listed_on", "listed_by",
    "term_end", "version",
)  # fmt: skip
FEED_COLUMNS = ("entity", "entity_id", "uscc", "action", "reason", "occurred_at")


class Dataset:
    """Deterministic synthetic data, generated as streams (1M rows never sit in memory)."""

    def __init__(self, enterprises: int, records: int, today: date) -> None:
        self.today = today
        self.now = datetime.now(UTC)
        rng = random.Random(7)
        self.usccs = [uscc.make(f"9133{i % 100:02d}00M{i:07d}") for i in range(enterprises)]
        weights = [c[3] for c in CLASSES]
        self.record_class = rng.choices(range(len(CLASSES)), weights, k=records)
        self.owner = sorted(rng.randrange(enterprises) for _ in range(records))
        self.age_days = [rng.randrange(3 * 365) for _ in range(records)]
        self.listed = set(rng.sample(range(enterprises), enterprises // 100))
        self.decided = [today - timedelta(days=d) for d in self.age_days]
        self.until = [
            add_months(d, CLASSES[c][2])
            for d, c in zip(self.decided, self.record_class, strict=True)
        ]

    def record_id(self, i: int) -> str:
        return f"CR-BENCH{i:011d}"

    def in_force(self, i: int) -> bool:
        return self.until[i] >= self.today

    def enterprises(self) -> Iterator[tuple[Any, ...]]:
        severities: dict[int, list[str]] = {}
        for i, owner in enumerate(self.owner):
            if self.in_force(i):
                severities.setdefault(owner, []).append(CLASSES[self.record_class[i]][1])
        for e, code in enumerate(self.usccs):
            grade = assess(severities.get(e, []), e in self.listed)  # type: ignore[arg-type]
            yield (
                code, f"企业{e}有限公司", code[2:8], "enterprise", grade.grade.value, grade.score,
                CURRENT_RULES.version, self.now, self.now, 1,
            )  # fmt: skip

    def records(self) -> Iterator[tuple[Any, ...]]:
        for i, owner in enumerate(self.owner):
            cls, severity, _, _ = CLASSES[self.record_class[i]]
            decided, until = self.decided[i], self.until[i]
            disclosed = until >= self.today
            yield (
                self.record_id(i), self.usccs[owner], cls, severity, "general",
                "Sold products that failed the national standard",
                "Spot check of batch 2024-11; responsible person 张伟.",
                "《中华人民共和国产品质量法》第四十九条", f"BENCH罚〔{decided.year}〕{i}号",
                decided, "credit", "ZJAMR", until,
                json.dumps([{"role": "legal representative", "name": "张伟"}]),
                disclosed, None if disclosed else until + timedelta(days=1),
                None if disclosed else "period_ended", "bench", self.now,
            )  # fmt: skip

    def listings(self) -> Iterator[tuple[Any, ...]]:
        first_record: dict[int, int] = {}
        for i, owner in enumerate(self.owner):
            first_record.setdefault(owner, i)
        for e in sorted(self.listed):
            start = self.today - timedelta(days=100)
            yield (
                f"DL-BENCH{e:09d}", self.usccs[e], "listed", "Repeated serious violations",
                "《市场监督管理严重违法失信名单管理办法》第十条",
                json.dumps([self.record_id(first_record.get(e, 0))]), json.dumps(MEASURES), 3,
                start - timedelta(days=20), "bench", start - timedelta(days=5), start, "bench",
                add_months(start, 36), 1,
            )  # fmt: skip

    def feed(self) -> Iterator[tuple[Any, ...]]:
        """Publish entries in decision order; records whose period ended are withdrawn too."""
        for i in range(len(self.owner)):
            code = self.usccs[self.owner[i]]
            yield ("record", self.record_id(i), code, "publish", None, self.now)
            if not self.in_force(i):
                yield ("record", self.record_id(i), code, "withdraw", "period_ended", self.now)
        for row in self.listings():
            yield ("listing", row[0], row[1], "publish", None, self.now)


def load(url: str, data: Dataset) -> int:
    engine = make_engine(url)
    bulk_insert(engine, "enterprise", ENTERPRISE_COLUMNS, data.enterprises())
    bulk_insert(engine, "credit_record", RECORD_COLUMNS, data.records())
    bulk_insert(engine, "listing", LISTING_COLUMNS, data.listings())
    bulk_insert(engine, "disclosure_entry", FEED_COLUMNS, data.feed())
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
        entries = int(conn.execute(text("SELECT max(id) FROM disclosure_entry")).scalar_one())
    engine.dispose()
    return entries


SCALE = {"full": 1, "quick": 20, "smoke": 200}  # divides the data set


def entry_bytes(url: str, sample: list[str], today: date) -> float:
    """What one profile takes in the profile cache (the server's own estimate)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        values = load_entries(conn, sample, today)
    engine.dispose()
    return ENTRY_OVERHEAD + statistics.mean(deep_sizeof(v) for v in values.values())


class Run:
    def __init__(self, backend: str, count: int, seconds: float) -> None:
        self.backend, self.count, self.seconds = backend, count, seconds
        self.rows: list[tuple[str, ...]] = []

    def row(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.rows.append(figure_row("credit", self.backend, self.count, name, *args, **kwargs))


def cached_runs(
    run: Run, srv: ServerProcess, keys: list[str], hot: int, capacity: int, cursors: list[str]
) -> None:
    trivial = measure(srv.url("/healthz"), seconds=run.seconds)
    run.row("/healthz (baseline, cached run)", trivial, trivial, rss_mb=rss_mb(srv))
    keys_path = key_file(keys)
    for name, dist, target in WORKLOADS:
        # warm by count: the hot set, or as many of the most likely keys as the cache holds
        warm = hot if dist == "hot" else capacity
        each_once([srv.url(f"/public/enterprises/{k}") for k in keys[:warm]])
        before = lookups(srv, "profile")
        r = run_keys(srv, "/public/enterprises/", keys_path, dist, hot=hot, seconds=run.seconds)
        hits = lookups(srv, "profile").since(before).hit_ratio
        label = f"profile, {name}" + (f" {hot:,}" if dist == "hot" else "")
        run.row(label, r, trivial, hit_ratio=hits, rss_mb=rss_mb(srv), target=target)
    keys_path.unlink()
    feed = measure(
        [srv.url(f"/public/disclosures?cursor={c}&limit=100") for c in cursors],
        seconds=run.seconds,
        connections=4,
    )
    run.row("feed page of 100 (4 portals)", feed, None, target=FEED_TARGET)


def uncached_runs(run: Run, srv: ServerProcess, keys: list[str]) -> None:
    trivial = measure(srv.url("/healthz"), seconds=run.seconds)
    run.row("/healthz (baseline, no-cache run)", trivial, trivial, rss_mb=rss_mb(srv))
    keys_path = key_file(keys)
    before = lookups(srv, "profile")
    r = run_keys(srv, "/public/enterprises/", keys_path, "uniform", seconds=run.seconds)
    hits = lookups(srv, "profile").since(before).hit_ratio
    run.row("profile, uniform, no cache", r, trivial, hit_ratio=hits, rss_mb=rss_mb(srv))
    keys_path.unlink()


def run(backend: str, size: str) -> list[tuple[str, ...]]:
    count = harness.ROWS or ENTERPRISES // SCALE[size]
    seconds = 8 if size == "full" else 3
    today = today_in_china()
    data = Dataset(count, count * RECORDS_PER_ENTERPRISE, today)
    url = new_database(backend, SERVICE_DIR, Path(tempfile.mkdtemp()), "bench_credit")
    try:
        entries = load(url, data)
        rng = random.Random(1)
        keys = list(data.usccs)
        rng.shuffle(keys)  # Zipf's ranks and the hot set fall on random enterprises
        per_entry = entry_bytes(url, keys[:200], today)
        capacity = max(count // 10, 1)  # entries in 10% of what all profiles would take
        hot = min(HOT, capacity // 2)
        cursors = [encode_cursor(rng.randrange(max(entries - 100, 1))) for _ in range(2000)]
        env = {
            "CREDIT_DATABASE_URL": url,
            "CREDIT_LOG_LEVEL": "WARNING",
            "CREDIT_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
        }
        result = Run(backend, count, seconds)
        factory = "services.credit.entrypoints.api:create_app"
        cache_mb = f"{capacity * per_entry / MB:.3f}"
        with ServerProcess(factory, {**env, "CREDIT_CACHE_MB": cache_mb}) as srv:
            cached_runs(result, srv, keys, hot, capacity, cursors)
        with ServerProcess(factory, {**env, "CREDIT_CACHE_MB": "0"}) as srv:
            uncached_runs(result, srv, keys)
        print(f"({backend}: profile cache {cache_mb} MB = 10% of {count:,} x {per_entry:,.0f} B)")
        return result.rows
    finally:
        drop_database(url)


def main() -> None:
    backends, size = backend_arguments(__doc__, "1/20 of the data, short runs")
    rows: list[tuple[str, ...]] = [FIGURE_HEADER]
    for backend in backends:
        rows += run(backend, size)
    count = harness.ROWS or ENTERPRISES // SCALE[size]
    print_table(
        f"Credit public disclosure, {count:,} enterprises and "
        f"{count * RECORDS_PER_ENTERPRISE:,} records (ratio: to the same run's /healthz; "
        "hit: the cache's hit ratio in that run)",
        rows,
    )
    write_results()


if __name__ == "__main__":
    main()
