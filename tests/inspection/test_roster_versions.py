"""Versioned rosters (issue 13, item 4): every import that changes rows makes a new roster
version, its history entries carry the number, and a snapshot pins the version it was frozen
from, in its public view and in the hashed snapshot document."""

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from devtools.testing.databases import drop_database, new_database
from services.inspection.config import SERVICE_DIR
from shared import migrations
from shared.db import make_engine
from tests.inspection.conftest import (
    create_plan,
    freeze,
    inspectors_csv,
    labs_csv,
    post_csv,
    unit_ids_of,
    units_csv,
)


def _versions(client: TestClient, headers: dict[str, str]) -> dict:
    r = client.get("/rosters/versions", headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_changes_make_versions_and_the_snapshot_pins_one(
    client: TestClient, as_zj: dict[str, str]
) -> None:
    assert _versions(client, as_zj) == {"current": 0, "items": [], "next_after": None}
    units = units_csv(12)
    for path, body in (("units", units), ("inspectors", inspectors_csv()), ("labs", labs_csv())):
        assert post_csv(client, f"/rosters/{path}/import", body, as_zj).status_code == 200
    assert post_csv(client, "/rosters/units/import", units, as_zj).status_code == 200  # no change
    listed = _versions(client, as_zj)
    assert listed["current"] == 3
    assert [(v["version"], v["kind"], v["changed_rows"]) for v in listed["items"]] == [
        (1, "unit", 12),
        (2, "inspector", 12),
        (3, "lab", 3),
    ]
    plan_id = create_plan(client, as_zj, sampling={"strata": [{"risk_classes": ["A"], "size": 1}]})
    snap = freeze(client, as_zj, plan_id)
    assert snap["roster_version"] == 3
    # one unit changes its risk class: version 4, in its history; the next snapshot pins 4
    changed = units.replace(",A\r\n", ",D\r\n", 1)
    assert changed != units
    assert post_csv(client, "/rosters/units/import", changed, as_zj).status_code == 200
    history = [
        client.get(f"/rosters/unit/{u}/history", headers=as_zj).json() for u in unit_ids_of(units)
    ]
    assert sorted(len(h) for h in history)[-1] == 2
    latest = [h[-1]["roster_version"] for h in history if len(h) == 2]
    assert latest == [4] and {h[0]["roster_version"] for h in history} == {1}
    again = freeze(client, as_zj, plan_id)
    assert again["roster_version"] == 4 and _versions(client, as_zj)["current"] == 4
    document = client.get(f"/public/snapshots/{again['id']}/document")
    assert document.status_code == 200, document.text
    assert json.loads(document.content)["roster_version"] == 4
    assert hashlib.sha256(document.content).hexdigest() == again["snapshot_hash"]


def test_migration_makes_a_version_of_each_earlier_import(backend: str, tmp_path: Path) -> None:
    if backend == "postgresql":  # plain SQL; a fresh migrated PostgreSQL database costs ~8 s
        pytest.skip("the backfill's SQL is portable; checked on SQLite to keep the suite fast")
    url = new_database(backend, SERVICE_DIR, tmp_path, "inspection_versions")
    try:
        migrations.downgrade(SERVICE_DIR, url, "i13_0004")
        engine = make_engine(url)
        first, second = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)
        rows = [("unit", "U1", first), ("unit", "U2", first), ("lab", "L1", second)]
        with engine.begin() as conn:
            for kind, row_id, at in rows:
                conn.execute(
                    text(
                        "INSERT INTO roster_history (kind, row_id, change, after, actor,"
                        " occurred_at) VALUES (:kind, :row_id, 'created', '{}', 'regulator:x', :at)"
                    ),
                    {"kind": kind, "row_id": row_id, "at": at},
                )
        migrations.upgrade(SERVICE_DIR, url)
        with engine.connect() as conn:
            versions = conn.execute(
                text("SELECT version, kind, changed_rows FROM roster_version ORDER BY version")
            ).all()
            tagged = conn.execute(
                text("SELECT row_id, roster_version FROM roster_history ORDER BY row_id")
            ).all()
        engine.dispose()
        assert [tuple(v) for v in versions] == [(1, "unit", 2), (2, "lab", 1)]
        assert [tuple(t) for t in tagged] == [("L1", 2), ("U1", 1), ("U2", 1)]
    finally:
        drop_database(url)
