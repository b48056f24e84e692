"""The whole system as real processes on SQLite and on PostgreSQL with the real broker, seeded
through the APIs with what the integration kit reads: certificates and their changes,
disclosures with a withdrawal, and a verifiable draw."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from devtools.testing.broker import TestBroker
from devtools.testing.system import System
from tests.conftest import _require_postgres
from tests.e2e.conftest import BODY, REGULATOR, _register_body, enterprise, issue, list_enterprise
from tests.e2e.test_inspection_flows import plan, units_csv, upload
from tests.inspection.conftest import inspectors_csv, labs_csv

CERTIFICATES = 25
ENTERPRISES = 12


@dataclass
class Live:
    system: System
    backend: str
    numbers: list[str] = field(default_factory=list)
    holders: list[str] = field(default_factory=list)
    draw_id: str = ""
    listed: str = ""

    def urls(self) -> dict[str, Any]:
        return {svc: self.system.url(svc, "") for svc in ("registry", "credit", "inspection")}

    def env(self) -> dict[str, str]:
        """What ``qp`` reads to find the services."""
        return {f"QP_{svc.upper()}_URL": url for svc, url in self.urls().items()}


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    backend = str(request.param)
    if backend == "postgresql":
        _require_postgres()  # fails clearly when PostgreSQL is missing
    root = Path(tmp_path_factory.mktemp(f"kit-{backend}"))
    broker = TestBroker(log_dir=root).start()
    system = System(root=root, broker=broker, backend=backend).start()
    try:
        _register_body(system)
        live = Live(system, backend)
        seed(live)
        yield live
    finally:
        system.stop()
        broker.stop()


def seed(live: Live) -> None:
    system = live.system
    with system.client("registry", **BODY) as body:
        for i in range(CERTIFICATES):
            holder = enterprise(700 + i % ENTERPRISES)
            number = f"KIT-{live.backend[:2].upper()}-{i:04d}"
            r = issue(body, number, holder)
            assert r.status_code == 201, r.text
            live.numbers.append(number)
        r = body.post(
            f"/certificates/{live.numbers[0]}/suspend",
            json={"reason_code": "surveillance_nonconformity", "reason": "audit finding"},
        )
        assert r.status_code == 200, r.text
    with system.client("credit", **REGULATOR) as credit:
        for i in range(ENTERPRISES):
            holder = enterprise(700 + i)
            r = credit.post(
                "/enterprises", json={"uscc": holder, "name": f"企业{holder[-6:]}有限公司"}
            )
            assert r.status_code in (201, 409), r.text
            live.holders.append(holder)
        for i, holder in enumerate(live.holders):
            r = credit.post("/records", json=record(holder, i))
            assert r.status_code == 201, r.text
        listing_id = list_enterprise(system, live.holders[1], ["no_new_certificates"])
        live.listed = live.holders[1]
        r = credit.post(
            f"/listings/{listing_id}/removal",
            json={"reason": "basis_revoked", "note": "decision annulled on review"},
        )
        assert r.status_code == 200, r.text
    live.draw_id = make_draw(live)


def record(holder: str, i: int) -> dict:
    return {
        "uscc": holder,
        "record_class": "penalty",
        "severity": "general",
        "title": f"Labelling violation {i}",
        "legal_basis": "《产品质量法》第五十四条",
        "decision_number": f"浙市监罚〔2026〕K{i:04d}号",
        "decision_date": "2026-09-01",
    }


def make_draw(live: Live) -> str:
    with live.system.client("inspection", **REGULATOR) as zj:
        upload(zj, "/rosters/inspectors/import", inspectors_csv())
        upload(zj, "/rosters/labs/import", labs_csv())
        for holder in live.holders[:6]:
            upload(zj, "/rosters/units/import", units_csv(holder, ["KT-1", "KT-2"]))
        r = zj.post(f"/plans/{plan(zj, 4)}/snapshots")
        assert r.status_code == 201, r.text
        r = zj.post(f"/snapshots/{r.json()['id']}/draw", json={})
        assert r.status_code == 201, r.text
        return str(r.json()["id"])
