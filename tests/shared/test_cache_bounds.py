"""The read cache's memory bound, its hit/miss counters and its one-round-trip miss path."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from bench.harness import Result, Target, parse_size
from bench.sweep import series
from bench.workloads import draw
from shared.cache import ENTRY_OVERHEAD, ChangeLogCache
from shared.db import make_engine, retry_once

VALUE = b"x" * 1000


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'cache.db'}")
    with eng.begin() as conn:
        conn.execute(text("CREATE TABLE change_log (id INTEGER PRIMARY KEY, k TEXT)"))
    yield eng
    eng.dispose()


def _cache(engine: Engine, max_mb: float, name: str) -> ChangeLogCache[bytes]:
    def load(conn: Connection, keys: list[str], _today: date) -> dict[str, bytes]:
        conn.execute(text("SELECT 1"))
        return {k: VALUE for k in keys if not k.startswith("absent")}

    return ChangeLogCache(
        engine,
        max_mb,
        name=name,
        load=load,
        changes_since=lambda conn, last: [],
        last_change_id=lambda conn: 0,
    )


def _count(name: str, result: str) -> float:
    value = REGISTRY.get_sample_value("cache_lookups_total", {"cache": name, "result": result})
    return value or 0.0


def test_entries_are_bounded_by_memory_not_count(engine: Engine) -> None:
    cache = _cache(engine, max_mb=0.05, name="t_bound")  # 52,428 bytes
    cache.load([f"k{i}" for i in range(200)])
    per_entry = ENTRY_OVERHEAD + len(VALUE)
    assert cache._entries.currsize <= 0.05 * 1024 * 1024
    held = len(cache._entries)
    assert held == int(0.05 * 1024 * 1024 // (per_entry + 33))  # bytes object header: 33
    hits, misses = cache.get_many(["k199", "k0"])
    assert list(hits) == ["k199"] and misses == ["k0"]  # least recently loaded went first


def test_hits_and_misses_are_counted_for_the_metrics_endpoint(engine: Engine) -> None:
    cache = _cache(engine, max_mb=1, name="t_count")
    hits0, misses0 = _count("t_count", "hit"), _count("t_count", "miss")
    cache.get_many(["a", "b"])
    cache.load(["a", "b", "absent-1"])
    cache.get_many(["a", "b", "absent-1", "c"])
    assert _count("t_count", "miss") - misses0 == 3  # a, b, then c
    assert _count("t_count", "hit") - hits0 == 3  # a, b and the known absence


def test_a_disabled_cache_counts_every_lookup_as_a_miss(engine: Engine) -> None:
    cache = _cache(engine, max_mb=0, name="t_off")
    cache.load(["a"])
    assert cache.get_many(["a"]) == ({}, ["a"])


def test_misses_are_read_without_a_transaction_on_sqlite(engine: Engine) -> None:
    cache = _cache(engine, max_mb=1, name="t_begin")
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    cache.load(["a"])
    assert statements == ["SELECT 1"]
    with engine.begin() as conn:  # writes still begin explicitly
        conn.execute(text("SELECT 2"))
    assert statements[1:] == ["BEGIN", "SELECT 2"]
    cache.dispose()


class _Dropped(DBAPIError):
    def __init__(self) -> None:
        super().__init__("SELECT 1", None, Exception("server closed the connection"), False)
        self.connection_invalidated = True


def test_a_read_on_a_dropped_connection_is_retried_once() -> None:
    calls: list[int] = []

    def read() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise _Dropped()
        return "rows"

    assert retry_once(read) == "rows" and len(calls) == 2

    def always() -> str:
        raise _Dropped()

    with pytest.raises(DBAPIError):
        retry_once(always)


def test_benchmark_sizes_targets_and_distributions() -> None:
    assert [parse_size(s) for s in ("100k", "1M", "10m", "250k", "5000")] == [
        100_000,
        1_000_000,
        10_000_000,
        250_000,
        5000,
    ]
    assert not Target("p50", 50).met(Result(0.0, 0.0, 0.0, requests=0, errors=0), None)
    assert Target("p99", 50).met(Result(10.0, 5.0, 49.0, requests=10, errors=0), None)
    base = Result(100.0, 1, 1, 100, 0)
    assert Target("ratio", 0.3).met(Result(31.0, 1, 1, 31, 0), base)
    assert not Target("ratio", 0.3).met(Result(29.0, 1, 1, 29, 0), base)
    import random

    keys = [f"k{i}" for i in range(1000)]
    zipf = draw(keys, "zipf", 0, 5000, random.Random(1))
    uniform = draw(keys, "uniform", 0, 5000, random.Random(1))
    top = set(keys[:10])
    assert sum(k in top for k in zipf) > 5 * sum(k in top for k in uniform)
    assert set(draw(keys, "hot", 50, 2000, random.Random(1))) <= set(keys[:50])


def test_sweep_series_skip_smoke_and_baselines() -> None:
    figures = [
        {"bench": "registry", "backend": "sqlite", "rows": 1_000_000, "workload": "zipf",
         "ratio": 0.4, "hit_ratio": 0.6, "smoke": False},
        {"bench": "registry", "backend": "sqlite", "rows": 100_000, "workload": "zipf",
         "ratio": 0.5, "hit_ratio": 0.7, "smoke": False},
        {"bench": "registry", "backend": "sqlite", "rows": 100_000, "workload": "/healthz (x)",
         "ratio": 1.0, "hit_ratio": None, "smoke": False},
        {"bench": "registry", "backend": "sqlite", "rows": 1000, "workload": "zipf",
         "ratio": 9.0, "hit_ratio": 1.0, "smoke": True},
    ]  # fmt: skip
    lines = series(figures)["registry"]["sqlite"]
    assert lines == {
        "zipf (ratio)": [(100_000, 0.5), (1_000_000, 0.4)],
        "zipf (hit)": [(100_000, 0.7), (1_000_000, 0.6)],
    }


def test_make_bench_passes_size_options_only_to_benchmarks_that_take_them() -> None:
    from bench.__main__ import arguments_for

    argv = ["--size", "1M", "--backend", "sqlite", "--json=f.jsonl", "--allow-10m"]
    assert arguments_for("bench.bench_registry", argv) == argv
    assert arguments_for("bench.bench_recovery", argv) == ["--backend", "sqlite"]


def test_make_bench_runs_the_other_benchmarks_when_one_crashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import bench.__main__ as runner

    (tmp_path / "bench_crashes.py").write_text("def main():\n    raise RuntimeError('probe')\n")
    (tmp_path / "bench_runs.py").write_text("def main():\n    print('ran after the crash')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(runner, "BENCHMARKS", ("bench_crashes", "bench_runs"))
    monkeypatch.setattr("sys.argv", ["bench"])
    assert runner.main() == 1
    out, err = capsys.readouterr()
    assert "ran after the crash" in out
    assert "RuntimeError: probe" in err and "FAILED: bench_crashes" in err
