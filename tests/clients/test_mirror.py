"""``qp mirror`` as a real process: killed (SIGKILL) while it follows a feed that keeps
growing, restarted, and afterwards the mirror equals the source, each entry applied once."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from qp_client import mirror as mir

from devtools.testing.databases import create_postgres_database, drop_database
from tests.clients.conftest import Live, record
from tests.e2e.conftest import BODY, REGULATOR, issue, list_enterprise

pytestmark = [pytest.mark.e2e, pytest.mark.broker]
QP = str(Path(sys.executable).with_name("qp"))


@pytest.fixture
def mirror_db(live: Live, tmp_path: Path) -> Iterator[str]:
    if live.backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'mirror.db'}"
    else:
        url = create_postgres_database("kit_mirror")
    yield url
    drop_database(url)


def start(live: Live, feed: str, db: str, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [QP, "mirror", feed, "--db", db, "--page-size", "2", *extra],
        env={**os.environ, **live.env()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def applied_count(engine: sa.Engine, feed: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(mir.applied)
                .where(mir.applied.c.feed == feed)
            ).scalar_one()
        )


def kill_mid_run(process: subprocess.Popen[bytes], engine: sa.Engine, feed: str, at: int) -> None:
    deadline = time.monotonic() + 60
    while applied_count(engine, feed) < at:
        assert process.poll() is None, "the mirror died on its own"
        assert time.monotonic() < deadline, "the mirror made no progress"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()


def catch_up(live: Live, feed: str, db: str) -> None:
    done = subprocess.run(
        [QP, "mirror", feed, "--db", db, "--page-size", "3"],
        env={**os.environ, **live.env()},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def raw_feed(live: Live, service: str, path: str) -> list[dict]:
    items: list[dict] = []
    cursor = ""
    while True:
        page = httpx.get(live.system.url(service, f"{path}?limit=500&cursor={cursor}")).json()
        items += page["items"]
        if not page["items"] or cursor == page["next_cursor"]:
            return items
        cursor = page["next_cursor"]


def test_disclosure_mirror_survives_a_kill_and_equals_the_source(
    live: Live, mirror_db: str
) -> None:
    engine = mir.engine_for(mirror_db)
    before = applied_count(engine, "disclosures")
    process = start(live, "disclosures", mirror_db, "--follow", "--interval", "0.05")
    with live.system.client("credit", **REGULATOR) as credit:
        for i, holder in enumerate(live.holders * 2):  # the feed grows while it is mirrored
            assert credit.post("/records", json=record(holder, 100 + i)).status_code == 201
            if i == 10:
                kill_mid_run(process, engine, "disclosures", before + 8)
        # a listing published and withdrawn while the mirror is down
        listing = list_enterprise(live.system, live.holders[5], ["no_new_certificates"])
        r = credit.post(f"/listings/{listing}/removal", json={"reason": "basis_revoked"})
        assert r.status_code == 200, r.text
    catch_up(live, "disclosures", mirror_db)

    raw = raw_feed(live, "credit", "/public/disclosures")
    with engine.connect() as conn:
        logged = [r.sequence for r in conn.execute(sa.select(mir.applied.c.sequence))]
        rows = conn.execute(sa.select(mir.disclosures.c.entity, mir.disclosures.c.id)).all()
        state = conn.execute(sa.select(mir.state).where(mir.state.c.feed == "disclosures")).one()
    assert len(logged) == len(set(logged)) == state.entries  # each entry applied once
    assert {e["sequence"] for e in raw} <= set(logged)
    mirrored = {(r.entity, r.id) for r in rows}
    public_records = {
        ("record", r["id"])
        for holder in set(live.holders)
        for r in httpx.get(
            live.system.url("credit", f"/public/enterprises/{holder}/records?limit=200")
        ).json()["items"]
    }
    in_force = {
        ("listing", x["id"])
        for x in httpx.get(live.system.url("credit", "/public/dishonesty-list")).json()["items"]
    }
    assert mirrored == public_records | in_force
    assert ("listing", listing) not in mirrored
    assert len(public_records) >= 3 * len(live.holders)


def test_change_mirror_survives_a_kill_and_equals_the_source(live: Live, mirror_db: str) -> None:
    engine = mir.engine_for(mirror_db)
    process = start(live, "changes", mirror_db, "--follow", "--interval", "0.05")
    new: list[str] = []
    with live.system.client("registry", **BODY) as body:
        for i in range(16):
            number = f"MIR-{live.backend[:2].upper()}-{i:03d}-{time.monotonic_ns() % 10**6}"
            assert issue(body, number, live.holders[i % len(live.holders)]).status_code == 201
            new.append(number)
            if i == 6:
                kill_mid_run(process, engine, "changes", 12)
        r = body.post(
            f"/certificates/{new[3]}/suspend",
            json={"reason_code": "surveillance_nonconformity", "reason": "audit"},
        )
        assert r.status_code == 200, r.text
    catch_up(live, "changes", mirror_db)

    raw = raw_feed(live, "registry", "/public/changes")
    with engine.connect() as conn:
        logged = [
            {k: v for k, v in r._mapping.items() if k != "occurred_at"}
            for r in conn.execute(sa.select(mir.changes).order_by(mir.changes.c.sequence))
        ]
        status = dict(
            conn.execute(
                sa.select(mir.entities.c.key, mir.entities.c.status).where(
                    mir.entities.c.entity == "certificate"
                )
            ).all()
        )
    assert logged == [{k: v for k, v in e.items() if k != "occurred_at"} for e in raw]
    verified = httpx.post(
        live.system.url("registry", "/public/certificates/verify"),
        json={"numbers": sorted(status)},
    ).json()["items"]
    assert {v["number"]: v["status"] for v in verified} == status
    assert status[new[3]] == "suspended" and status[new[4]] == "valid"


def test_two_mirrors_racing_apply_each_entry_once(live: Live, mirror_db: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from qp_client import Client

    engine = mir.engine_for(mirror_db)

    def run() -> int:
        with Client(**live.urls()) as client:
            entries: int = mir.sync_once(client, engine, "changes", limit=1).entries
            return entries

    with ThreadPoolExecutor(2) as pool:
        counts = list(pool.map(lambda _: run(), range(2)))
    raw = raw_feed(live, "registry", "/public/changes")
    with engine.connect() as conn:
        logged = [r.sequence for r in conn.execute(sa.select(mir.changes.c.sequence))]
        state = conn.execute(sa.select(mir.state).where(mir.state.c.feed == "changes")).one()
    assert sorted(logged) == [e["sequence"] for e in raw]
    assert state.entries == len(raw) == sum(counts)  # no page counted by both
