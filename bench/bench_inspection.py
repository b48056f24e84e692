"""Inspection benchmark: a verifiable draw of 20,000 units from 1,000,000, of which 100,000
passed a check within six months, and the offline verification of that draw.

Baseline, measured in the same run on the same database: reading the frozen roster snapshot
(every column of its 900,000 eligible units, in canonical order) with the function that also
serves the published snapshot document; the draw reads the roster through the same function,
but only the columns it needs. Targets: the draw (reveal the seed, late exclusions, a key for
every unit, teams and labs, tasks, claims and 20,001 outbox events, one transaction) <= 2x
that read; the offline verification (read both published files, check both hashes, recompute
everything) <= 1x. Freezing the snapshot (the commit step, done before the draw) is reported
without a target. New snapshots use the draw algorithm ``es-shake256-v2``.

Data is bulk-loaded (COPY on PostgreSQL, one executemany transaction on SQLite), not through
the API or the ORM.

    python -m bench.bench_inspection [--backend sqlite|postgresql|both] [--quick|--smoke]
"""

import json
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from bench.harness import backend_arguments, copy_rows, print_table
from devtools.testing.databases import drop_database, new_database
from services.inspection.adapters.snapshot_reads import read_snapshot_units
from services.inspection.config import SERVICE_DIR
from services.inspection.domain.draw import canonical_bytes
from services.inspection.domain.model import CheckType, Sampling, Scope, Stratum
from services.inspection.domain.model import RiskClass as RC
from services.inspection.domain.roster import unit_id_for
from services.inspection.domain.verification import verify
from services.inspection.service_layer import (
    disclosure_views,
    draws,
    plans,
    snapshot_views,
    snapshots,
)
from services.inspection.service_layer.commands import CreatePlan
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared import uscc
from shared.auth import AuthorityLevel, Principal, Role
from shared.clock import today_in_china
from shared.db import make_engine
from shared.workdays import DEFAULT_CALENDAR

CITIES = [f"33{c:02d}00" for c in range(1, 12)]  # Zhejiang's 11 cities
CATEGORIES = [f"CAT-{c:02d}" for c in range(40)]
INDUSTRIES = [f"IND-{c}" for c in range(8)]
RISK = ["A"] * 50 + ["B"] * 30 + ["C"] * 15 + ["D"] * 5
REGULATOR = Principal(
    role=Role.REGULATOR,
    subject="bench",
    authority_level=AuthorityLevel.PROVINCIAL,
    department="ZJAMR",
    region_code="330000",
)
UNIT_COLUMNS = (
    "id",
    "enterprise_uscc",
    "enterprise_name",
    "product_name",
    "model",
    "industry",
    "product_category",
    "region_code",
    "risk_class",
    "updated_at",
)


def units(count: int, rng: random.Random) -> Iterator[tuple]:
    now = datetime.now(UTC)
    enterprises = max(1, count // 3)
    codes = [uscc.make(f"91{CITIES[e % 11]}{e:08d}") for e in range(enterprises)]
    for i in range(count):
        e = i % enterprises
        code = codes[e]
        product, model = f"Product {i % 97}", f"M-{i}"
        yield (
            unit_id_for(code, product, model),
            code,
            f"Enterprise {e}",
            product,
            model,
            INDUSTRIES[i % 8],
            CATEGORIES[rng.randrange(40)],
            CITIES[e % 11],
            rng.choice(RISK),
            now,
        )


def bulk_insert(
    engine: Engine, table: str, columns: tuple[str, ...], rows: Iterator[tuple] | list[tuple]
) -> None:
    if engine.dialect.name == "postgresql":
        copy_rows(engine, table, columns, rows)
        return
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("BEGIN")
        cur.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            # sqlite3 takes any iterable; a list of a million rows would not fit the bench box
            ((*r[:-1], _sqlite_value(r[-1])) for r in rows),  # type: ignore[arg-type]
        )
        cur.execute("COMMIT")
    finally:
        raw.close()


def _sqlite_value(value: Any) -> Any:
    return value.isoformat(sep=" ") if isinstance(value, datetime) else value


def load(engine: Engine, count: int, passed: int) -> list[str]:
    rng = random.Random(20261122)
    ids: list[str] = []

    def unit_rows() -> Iterator[tuple]:
        for row in units(count, rng):
            ids.append(row[0])
            yield row

    bulk_insert(engine, "unit", UNIT_COLUMNS, unit_rows())
    now = datetime.now(UTC)
    inspectors = [
        (
            f"INS-{i:05d}",
            f"检查员{i}",
            "ZJAMR",
            CITIES[i % 11],
            json.dumps(["CMA"]),
            json.dumps(sorted(rng.sample(CATEGORIES, 6))),
            json.dumps([]),
            True,
            now,
        )
        for i in range(2000)
    ]
    bulk_insert(
        engine,
        "inspector",
        (
            "id",
            "name",
            "department",
            "region_code",
            "qualifications",
            "expertise",
            "conflicts",
            "active",
            "updated_at",
        ),
        inspectors,
    )
    labs = [
        (
            f"CNAS-L{i:04d}",
            f"实验室{i}",
            CITIES[i % 11],
            json.dumps(sorted(rng.sample(CATEGORIES, 12))),
            json.dumps([]),
            True,
            now,
        )
        for i in range(150)
    ]
    bulk_insert(
        engine,
        "lab",
        ("id", "name", "region_code", "accredited_categories", "conflicts", "active", "updated_at"),
        labs,
    )
    today = today_in_china()
    by_id = {}
    for unit_id in rng.sample(ids, passed):
        by_id[unit_id] = today - timedelta(days=rng.randrange(1, 150))
    history = [
        (
            unit_id,
            "913301000000000009",
            None,
            None,
            "municipal",
            "330100",
            CheckType.SUPERVISORY_SPOT_CHECK.value,
            "pass",
            day,
            now,
        )
        for unit_id, day in by_id.items()
    ]
    bulk_insert(
        engine,
        "check_record",
        (
            "unit_id",
            "enterprise_uscc",
            "task_id",
            "plan_id",
            "authority_level",
            "region_code",
            "check_type",
            "outcome",
            "sampling_date",
            "recorded_at",
        ),
        history,
    )
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")
    return ids


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def read_snapshot(engine: Engine, snapshot_id: str) -> dict:
    with engine.connect() as conn:
        return read_snapshot_units(conn, snapshot_id)


def run(backend: str, count: int, draw_size: int, passed: int) -> list[tuple[str, ...]]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-inspection-"))
    url = new_database(backend, SERVICE_DIR, tmp, "bench_inspection")
    engine = make_engine(url)
    try:
        load_s, _ = timed(lambda: load(engine, count, passed))
        print(
            f"[{backend}] loaded {count:,} units, 2,000 inspectors, 150 labs, {passed:,} recent passes "
            f"in {load_s:.1f}s",
            flush=True,
        )
        today = today_in_china()
        plan_id = plans.create_plan(
            InspectionUnitOfWork(engine),
            CreatePlan(
                name="bench",
                check_type=CheckType.SUPERVISORY_SPOT_CHECK,
                scope=Scope(),
                sampling=Sampling(
                    weights={RC.A: 1, RC.B: 2, RC.C: 4, RC.D: 8},
                    strata=(Stratum((RC.A, RC.B, RC.C, RC.D), size=draw_size),),
                ),
                team_size=2,
                cross_region_teams=True,
                inspector_cooldown_days=365,
                period_start=today - timedelta(days=30),
                period_end=today - timedelta(days=1),
            ),
            REGULATOR,
            DEFAULT_CALENDAR,
            20,
        )
        freeze_s, snapshot_id = timed(
            lambda: snapshots.commit_snapshot(InspectionUnitOfWork(engine), plan_id, REGULATOR)
        )
        reads = [timed(lambda: read_snapshot(engine, snapshot_id))[0] for _ in range(3)]
        draw_s, draw_id = timed(
            lambda: draws.make_draw(InspectionUnitOfWork(engine), snapshot_id, REGULATOR)
        )
        reads += [timed(lambda: read_snapshot(engine, snapshot_id))[0] for _ in range(2)]
        read_s = statistics.median(reads)
        with engine.connect() as conn:
            header = snapshot_views.snapshot_header(conn, snapshot_id)
            (tmp / "snapshot.json").write_bytes(
                canonical_bytes({**header, "units": read_snapshot_units(conn, snapshot_id)})
            )
            # the public record after the sampling period: checked against the selection
            # commitment too
            bundle = disclosure_views.verification_bundle(conn, draw_id, today_in_china())
            assert bundle["disclosure"] == "complete" and bundle["selection_commitment"]
            (tmp / "draw.json").write_text(json.dumps(bundle, default=str))
            summary = snapshot_views.draw_public(conn, draw_id)

        def offline() -> Any:
            bundle = json.loads((tmp / "draw.json").read_bytes())
            return verify(bundle, (tmp / "snapshot.json").read_bytes())

        verify_s, report = timed(offline)
        assert report.ok, report.problems
        assert summary["selected_count"] == draw_size
        units_in_snapshot = report.checked_units
        print(
            f"[{backend}] snapshot: {units_in_snapshot:,} eligible units, {count - units_in_snapshot:,} excluded; "
            f"draw ({summary['algorithm']}) selected {summary['selected_count']:,}; "
            "offline verification: MATCH",
            flush=True,
        )
        return [
            (backend, "read roster snapshot (baseline)", f"{read_s:.3f}", "1.00x", ""),
            (
                backend,
                "freeze snapshot + commit (before the draw)",
                f"{freeze_s:.3f}",
                f"{freeze_s / read_s:.2f}x",
                "<= 3x " + ("ok" if freeze_s <= 3 * read_s else "MISSED"),
            ),
            (
                backend,
                f"draw {draw_size:,} of {units_in_snapshot:,} (+teams, labs, tasks, events)",
                f"{draw_s:.3f}",
                f"{draw_s / read_s:.2f}x",
                "<= 2x " + ("ok" if draw_s <= 2 * read_s else "MISSED"),
            ),
            (
                backend,
                "offline verification of the draw",
                f"{verify_s:.3f}",
                f"{verify_s / read_s:.2f}x",
                "<= 1x " + ("ok" if verify_s <= read_s else "MISSED"),
            ),
        ]
    finally:
        engine.dispose()
        drop_database(url)
        shutil.rmtree(tmp, ignore_errors=True)  # the published files are ~60 MB


def main() -> None:
    backends, size = backend_arguments(__doc__, "100,000 units, draw 2,000")
    count, draw_size, passed = {
        "full": (1_000_000, 20_000, 100_000),
        "quick": (100_000, 2_000, 10_000),
        "smoke": (5_000, 200, 500),
    }[size]
    rows: list[tuple[str, ...]] = [("backend", "step", "seconds", "vs baseline", "target")]
    for backend in backends:
        rows += run(backend, count, draw_size, passed)
    print_table("Inspection: verifiable draw and offline verification", rows)


if __name__ == "__main__":
    main()
