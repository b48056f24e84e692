"""The whole system as real processes on PostgreSQL and the real broker (package-scoped: it stops when the e2e tests are done)."""

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from devtools.testing.broker import TestBroker
from devtools.testing.kafka import wait_until
from devtools.testing.system import System
from shared import uscc

REGULATOR = {
    "role": "regulator",
    "sub": "zj-e2e",
    "authority_level": "provincial",
    "region_code": "330000",
    "department": "ZJAMR",
}
# Certification bodies are governed by the national authority (shared.auth.authority).
NATIONAL = {
    "role": "regulator",
    "sub": "cnca-e2e-1",
    "authority_level": "national",
    "region_code": "100000",
    "department": "CNCA",
}
NATIONAL_2 = {**NATIONAL, "sub": "cnca-e2e-2"}
BODY_ID = "CNCA-R-2002-001"
BODY_USCC = uscc.make("1210000040000123")
BODY = {"role": "certification_body", "sub": "cqc-e2e", "body_id": BODY_ID}


def enterprise(i: int) -> str:
    return uscc.make(f"913301{i % 100:02d}MA2{i:05d}")


@pytest.fixture(scope="package")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    root = Path(tmp_path_factory.mktemp("e2e"))
    broker = TestBroker(log_dir=root).start()
    running = System(root=root, broker=broker).start()
    try:
        _register_body(running)
        yield running
    finally:
        running.stop()
        broker.stop()


SIGNER = {"registration_no": "CCAA-2019-123456", "name": "张伟", "roles": ["auditor", "signer"]}


def _register_body(system: System) -> None:
    with system.client("registry", **NATIONAL) as reg:
        r = reg.post(
            "/bodies",
            json={
                "id": BODY_ID,
                "name": "中国质量认证中心",
                "uscc": BODY_USCC,
                "region_code": "110000",
                "approved_schemes": ["CCC", "ISO9001"],
            },
        )
        assert r.status_code == 201, r.text
    with system.client("registry", role="certification_body", sub="e2e", body_id=BODY_ID) as body:
        r = body.post(f"/bodies/{BODY_ID}/personnel", json=SIGNER)
        assert r.status_code == 201, r.text


def certificate(number: str, holder: str, **overrides: object) -> dict:
    today = date.today()
    return {
        "number": number,
        "scheme": "CCC",
        "scope": "Household electric kettles",
        "product_name": "Electric kettle",
        "product_model": "KT-1800",
        "holder_uscc": holder,
        "holder_name": f"企业{holder[-6:]}有限公司",
        "issue_date": (today - timedelta(days=10)).isoformat(),
        "expiry_date": (today + timedelta(days=1000)).isoformat(),
        "signer_name": SIGNER["name"],
        "signer_registration_no": SIGNER["registration_no"],
        **overrides,
    }


def list_enterprise(
    system: System,
    holder: str,
    measures: list[str],
    category: str = "enterprise",
    request_id: str | None = None,
) -> str:
    """The full due process: record, proposal, objection, objection rejected, listing (the
    confirmation sent with ``X-Request-ID: request_id`` when given)."""
    with (
        system.client("credit", **REGULATOR) as credit,
        system.client("credit", role="enterprise", sub="e2e-ent", uscc=holder) as ent,
    ):
        r = credit.post(
            "/enterprises",
            json={"uscc": holder, "name": f"企业{holder[-6:]}有限公司", "category": category},
        )
        assert r.status_code in (201, 409), r.text
        r = credit.post(
            "/records",
            json={
                "uscc": holder,
                "record_class": "penalty",
                "severity": "very_serious",
                "title": "Sold counterfeit CCC-marked products",
                "legal_basis": "《产品质量法》第五十三条",
                "decision_number": f"浙市监罚〔2026〕{holder[-4:]}号",
                "decision_date": "2026-09-01",
            },
        )
        assert r.status_code == 201, r.text
        record_id = r.json()["id"]
        r = credit.post(
            "/listings",
            json={
                "uscc": holder,
                "reason": "Serious violation: counterfeit certification marks",
                "legal_basis": "《市场监督管理严重违法失信名单管理办法》第九条",
                "basis_record_ids": [record_id],
                "measures": measures,
                "term_years": 3,
            },
        )
        assert r.status_code == 201, r.text
        listing_id = r.json()["id"]
        r = ent.post(
            f"/listings/{listing_id}/objection", json={"statement": "We disagree.", "evidence": []}
        )
        assert r.status_code == 200, r.text
        r = credit.post(
            f"/listings/{listing_id}/objection-decision",
            json={"upheld": False, "reason": "The objection brings no new facts."},
        )
        assert r.status_code == 200, r.text
        confirm_headers = {"X-Request-ID": request_id} if request_id else {}
        r = credit.post(f"/listings/{listing_id}/confirm", headers=confirm_headers)
        assert r.status_code == 200, r.text
        return str(listing_id)


def issue(client: httpx.Client, number: str, holder: str) -> httpx.Response:
    return client.post("/certificates", json=certificate(number, holder))


def confirm_record_proposal(system: System, holder: str, **extra: object) -> dict:
    """A regulator confirms the record proposal another service's event made for ``holder``
    (issue 12: records from other services are never published automatically)."""
    found: list[dict] = []

    def pending() -> bool:
        with system.client("credit", **REGULATOR) as credit:
            r = credit.get("/record-proposals", params={"uscc": holder})
            found[:] = r.json()["items"] if r.status_code == 200 else []
        return bool(found)

    wait_until(pending, timeout=90)  # a loaded 2-core CI box after the fault tests
    with system.client("credit", **REGULATOR) as credit:
        r = credit.post(
            f"/record-proposals/{found[0]['id']}/decision",
            json={"confirm": True, "reason": "Facts verified by the regulator.", **extra},
        )
        assert r.status_code == 200, r.text
        return dict(r.json())
