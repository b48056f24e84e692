"""Joint-punishment propagation: 500 listings through the credit API at a steady rate.

For each listing, the time from the listing call (``POST /listings/{id}/confirm``) until
- the registry refuses the enterprise new certificates (its sanction row is committed), and
- the inspection roster carries the new weight (its dishonesty-measure row is committed),
observed by polling both databases every 20 ms. Target: p99 <= 2 s. All processes are real
(APIs, relays, consumers) on PostgreSQL with the test broker. The baseline, measured in the
same run, is a bare produce -> consume round trip through the same broker.

    python -m bench.bench_propagation [--listings 500] [--rate 20]
"""

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import text

from bench.harness import print_table
from devtools.testing.broker import TestBroker
from devtools.testing.system import System
from shared import uscc
from shared.db import make_engine
from shared.kafka import ensure_topics, make_consumer, make_producer

REGULATOR = {
    "role": "regulator",
    "sub": "bench",
    "authority_level": "provincial",
    "region_code": "330000",
    "department": "ZJAMR",
}
NATIONAL = {**REGULATOR, "authority_level": "national", "region_code": "100000", "sub": "cnca"}
MEASURES = ["no_new_certificates", "increased_inspection_frequency"]


def holder(i: int) -> str:
    return uscc.make(f"913301{i % 100:02d}M{i:07d}")


def prepare(system: System, i: int) -> str:
    """Everything up to the listing decision: record, proposal, objection rejected."""
    code = holder(i)
    with (
        system.client("credit", **REGULATOR) as credit,
        system.client("credit", role="enterprise", sub=f"e{i}", uscc=code) as ent,
    ):
        credit.post("/enterprises", json={"uscc": code, "name": f"基准企业{i}有限公司"})
        record = credit.post(
            "/records",
            json={
                "uscc": code,
                "record_class": "penalty",
                "severity": "very_serious",
                "title": "Counterfeit certification marks",
                "legal_basis": "《产品质量法》第五十三条",
                "decision_number": f"BENCH-{i}",
                "decision_date": "2026-09-01",
            },
        ).json()["id"]
        listing = credit.post(
            "/listings",
            json={
                "uscc": code,
                "reason": "serious violation",
                "measures": MEASURES,
                "legal_basis": "《市场监督管理严重违法失信名单管理办法》第九条",
                "basis_record_ids": [record],
            },
        ).json()["id"]
        ent.post(f"/listings/{listing}/objection", json={"statement": "no", "evidence": []})
        credit.post(
            f"/listings/{listing}/objection-decision",
            json={"upheld": False, "reason": "no new facts"},
        ).raise_for_status()
    return str(listing)


def watch(url: str, sql: str, seen: dict[str, float], stop: threading.Event) -> None:
    engine = make_engine(url)
    while not stop.is_set():
        with engine.connect() as conn:
            now = time.monotonic()
            for (code,) in conn.execute(text(sql)):
                seen.setdefault(code, now)
        stop.wait(0.02)
    engine.dispose()


def confirm_refusals(system: System, holders: list[str]) -> None:
    """The sanction rows watched above really make the registry refuse issuance."""
    with system.client("registry", **NATIONAL) as reg:
        reg.post(
            "/bodies",
            json={
                "id": "CNCA-R-BENCH-1",
                "name": "基准认证机构",
                "uscc": uscc.make("1210000040000999"),
                "region_code": "110000",
                "approved_schemes": ["ISO9001"],
            },
        ).raise_for_status()
    with system.client(
        "registry", role="certification_body", sub="b", body_id="CNCA-R-BENCH-1"
    ) as body:
        signer = {"registration_no": "CCAA-BENCH-1", "name": "张伟", "roles": ["signer"]}
        body.post("/bodies/CNCA-R-BENCH-1/personnel", json=signer).raise_for_status()
        for i, code in enumerate(holders):
            r = body.post(
                "/certificates",
                json={
                    "number": f"BENCH-CHECK-{i}",
                    "scheme": "ISO9001",
                    "scope": "x",
                    "holder_uscc": code,
                    "holder_name": "x",
                    "issue_date": "2026-11-01",
                    "expiry_date": "2028-11-01",
                    "signer_name": "张伟",
                    "signer_registration_no": "CCAA-BENCH-1",
                },
            )
            assert r.status_code == 409 and r.json()["code"] == "holder_barred", r.text


def kafka_round_trip(bootstrap: str, samples: int = 200) -> list[float]:
    topic = f"bench-rtt-{uuid.uuid4().hex[:6]}"
    ensure_topics([bootstrap], [topic])
    consumer = make_consumer([bootstrap], f"rtt-{uuid.uuid4().hex[:6]}")
    consumer.subscribe([topic])
    while not consumer.assignment():
        consumer.poll(timeout_ms=200)
    producer = make_producer([bootstrap])
    delays = []
    for i in range(samples):
        start = time.monotonic()
        producer.send(topic, value=str(i).encode()).get(timeout=10)
        while True:
            if any(consumer.poll(timeout_ms=50).values()):
                break
        delays.append(time.monotonic() - start)
        time.sleep(0.02)
    consumer.close()
    producer.close()
    return delays


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listings", type=int, default=500)
    parser.add_argument("--rate", type=float, default=20, help="listings per second")
    parser.add_argument("--quick", action="store_true", help="100 listings")
    parser.add_argument("--smoke", action="store_true", help="10 listings (make bench-smoke)")
    parser.add_argument(
        "--backend",
        default="postgresql",
        choices=["postgresql", "both"],
        help="always PostgreSQL (the production database)",
    )
    args = parser.parse_args()
    if args.quick:
        args.listings = min(args.listings, 100)
    if args.smoke:
        args.listings = min(args.listings, 10)
    root = Path(tempfile.mkdtemp(prefix="bench-propagation-"))
    broker = TestBroker(log_dir=root).start()
    system = System(root=root, broker=broker).start()
    try:
        with ThreadPoolExecutor(8) as pool:
            listings = list(pool.map(lambda i: prepare(system, i), range(args.listings)))
        stop = threading.Event()
        barred: dict[str, float] = {}
        weighted: dict[str, float] = {}
        watchers = [
            threading.Thread(
                target=watch,
                args=(
                    system.urls["registry"],
                    "SELECT holder_uscc FROM holder_sanction WHERE active "
                    "AND measure_code = 'no_new_certificates'",
                    barred,
                    stop,
                ),
            ),
            threading.Thread(
                target=watch,
                args=(
                    system.urls["inspection"],
                    "SELECT uscc FROM dishonesty_measure WHERE active",
                    weighted,
                    stop,
                ),
            ),
        ]
        for w in watchers:
            w.start()
        called: dict[str, float] = {}
        interval = 1 / args.rate
        with system.client("credit", **REGULATOR) as credit:
            next_at = time.monotonic()
            for i, listing in enumerate(listings):
                time.sleep(max(0.0, next_at - time.monotonic()))
                called[holder(i)] = time.monotonic()
                credit.post(f"/listings/{listing}/confirm").raise_for_status()
                next_at += interval
        deadline = time.monotonic() + 60
        while (
            len(barred) < len(called) or len(weighted) < len(called)
        ) and time.monotonic() < deadline:
            time.sleep(0.1)
        stop.set()
        for w in watchers:
            w.join()
        registry = [barred[c] - t for c, t in called.items() if c in barred]
        inspection = [weighted[c] - t for c, t in called.items() if c in weighted]
        confirm_refusals(system, list(called)[:5])
        rtt = kafka_round_trip(broker.bootstrap)
        base50, base99 = pct(rtt, 50), pct(rtt, 99)
        rows: list[tuple[str, ...]] = [
            ("effect", "arrived", "p50 s", "p99 s", "max s", "p99 / broker p99")
        ]
        for name, values in (
            ("registry refuses issuance", registry),
            ("inspection roster weight", inspection),
        ):
            rows.append(
                (
                    name,
                    f"{len(values)}/{len(called)}",
                    f"{pct(values, 50):.3f}",
                    f"{pct(values, 99):.3f}",
                    f"{max(values):.3f}",
                    f"{pct(values, 99) / base99:.1f}x",
                )
            )
        rows.append(
            (
                "baseline: broker round trip",
                str(len(rtt)),
                f"{base50:.3f}",
                f"{base99:.3f}",
                f"{max(rtt):.3f}",
                "1.0x",
            )
        )
        print_table(
            f"Propagation of {len(called)} listings at {args.rate:g}/s (target p99 <= 2 s)", rows
        )
    finally:
        system.stop()
        broker.stop()


if __name__ == "__main__":
    main()
