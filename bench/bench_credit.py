"""Credit benchmark: 200,000 enterprises and 1,000,000 credit records stored.

Public profile lookup throughput against the same server's trivial /healthz in the same run
(target >= 60%), and a disclosure-feed page of 100 entries from random cursors (target p99
<= 50 ms, measured with 4 concurrent portals), on SQLite and PostgreSQL. Data is bulk-loaded
(COPY on PostgreSQL, one executemany transaction on SQLite), never through the API.

    python -m bench.bench_credit [--backend sqlite|postgresql|both] [--quick|--smoke]
"""

import json
import random
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bench.harness import (
    ServerProcess,
    backend_arguments,
    copy_rows,
    measure,
    print_table,
    result_row,
)
from services.credit.config import SERVICE_DIR
from services.credit.domain.grading import CURRENT_RULES, assess
from services.credit.domain.periods import add_months
from services.credit.service_layer.views import encode_cursor
from shared import uscc
from shared.clock import today_in_china
from shared.db import make_engine
from shared.testing.databases import drop_database, new_database

ENTERPRISES = 200_000
RECORDS = 1_000_000
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


def run(backend: str, size: str) -> list[tuple[str, ...]]:
    scale = SCALE[size]
    seconds = 8 if size == "full" else 3
    data = Dataset(ENTERPRISES // scale, RECORDS // scale, today_in_china())
    url = new_database(backend, SERVICE_DIR, Path(tempfile.mkdtemp()), "bench_credit")
    try:
        entries = load(url, data)
        rng = random.Random(1)
        # the hot set portals and the public look up; the cached run loads it once first
        profiles = rng.sample(data.usccs, min(10_000, len(data.usccs) // 2))
        cursors = [encode_cursor(rng.randrange(entries - 100)) for _ in range(2000)]
        env = {
            "CREDIT_DATABASE_URL": url,
            "CREDIT_LOG_LEVEL": "WARNING",
            "CREDIT_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
        }
        rows: list[tuple[str, ...]] = [
            ("backend", "endpoint", "req/s", "ratio", "p50 ms", "p99 ms", "errors")
        ]
        for label, cache_size in (("cached", "200000"), ("no cache", "0")):
            with ServerProcess(
                "services.credit.entrypoints.api:create_app",
                {**env, "CREDIT_CACHE_SIZE": cache_size},
            ) as srv:
                trivial = measure(srv.url("/healthz"), seconds=seconds)
                urls = [srv.url(f"/public/enterprises/{u}") for u in profiles]
                if cache_size != "0":  # wrk cycles the list in order: one pass loads it all
                    measure(urls, seconds=max(2, len(urls) / 300), warmup=0)
                profile = measure(urls, seconds=seconds)
                rows += [
                    result_row(backend, f"/healthz (baseline, {label} run)", trivial, trivial),
                    result_row(backend, f"profile lookup ({label})", profile, trivial),
                ]
                if cache_size != "0":
                    feed = measure(
                        [srv.url(f"/public/disclosures?cursor={c}&limit=100") for c in cursors],
                        seconds=seconds,
                        connections=4,
                    )
                    rows.append(result_row(backend, "feed page of 100 (4 portals)", feed, None))
        return rows
    finally:
        drop_database(url)


def main() -> None:
    backends, size = backend_arguments(__doc__, "1/20 of the data, short runs")
    rows: list[tuple[str, ...]] = []
    for backend in backends:
        result = run(backend, size)
        rows += result if not rows else result[1:]
    scale = SCALE[size]
    print_table(
        f"Credit public disclosure, {ENTERPRISES // scale:,} enterprises and "
        f"{RECORDS // scale:,} records (targets: profile lookup >= 60% of /healthz; "
        "feed page of 100 p99 <= 50 ms)",
        rows,
    )


if __name__ == "__main__":
    main()
