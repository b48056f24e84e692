"""Inspection and registry events become credit records (golden samples fed to the handler)."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from services.credit.adapters.orm import processed_events
from services.credit.config import CreditSettings
from services.credit.service_layer.handlers import TOPICS, make_handler
from shared.clock import today_in_china
from shared.consumer import IdempotentConsumer
from shared.contracts.catalog import SAMPLES
from tests.credit.conftest import HANGZHOU, bearer, problem
from tests.support import app_of


class NoBroker:
    def send(self, *_a: object, **_k: object) -> None:
        raise AssertionError("unexpected dead-lettering")


def consumer(engine: Engine, settings: CreditSettings) -> IdempotentConsumer:
    return IdempotentConsumer(
        name="credit-consumer",
        topics=TOPICS,
        engine=engine,
        processed_table=processed_events,
        handler=make_handler(engine, settings.policy),
        max_attempts=1,
        consumer_factory=lambda: None,
        producer_factory=lambda: NoBroker(),
    )


def sample(name: str, **payload: object) -> bytes:
    data = json.loads((SAMPLES / name).read_text())
    data["payload"].update(payload)
    return json.dumps(data).encode()


def records(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text("SELECT uscc, record_class, severity FROM credit_record ORDER BY uscc")
            )
        ]


def confirm_all(client: TestClient, settings: CreditSettings, **extra: object) -> list[dict]:
    """A national regulator confirms every pending record proposal (issue 12), on the real
    date the consumer received them."""
    app_of(client).state.today = today_in_china
    national = bearer(
        settings,
        role="regulator",
        sub="samr",
        authority_level="national",
        region_code="100000",
        department="SAMR",
    )
    pending = client.get("/record-proposals", headers=national).json()["items"]
    decided = []
    for p in pending:
        r = client.post(
            f"/record-proposals/{p['id']}/decision",
            headers=national,
            json={"confirm": True, "reason": "Facts verified.", **extra},
        )
        assert r.status_code == 200, r.text
        decided.append(r.json())
    return decided


def test_revocation_for_cause_becomes_one_record_and_regrades(
    engine: Engine, settings: CreditSettings, client: TestClient, as_regulator: dict[str, str]
) -> None:
    c = consumer(engine, settings)
    raw = sample("registry.certificate.revoked.v1.json")
    c.handle_raw(raw)
    c.handle_raw(raw)  # redelivered
    assert (c.stats.processed, c.stats.duplicates) == (1, 1)
    assert records(engine) == []  # a proposal for a regulator, never an automatic record
    [proposal] = client.get("/record-proposals", headers=as_regulator).json()["items"]
    assert proposal["record_class"] == "certificate_revoked" and not proposal["overdue"]
    [decided] = confirm_all(client, settings)
    assert decided["status"] == "confirmed" and decided["record_id"]
    assert records(engine) == [(HANGZHOU, "certificate_revoked", "very_serious")]
    file = client.get(f"/enterprises/{HANGZHOU}", headers=as_regulator).json()
    [record] = file["records"]
    assert record["source_service"] == "registry"
    assert record["decision_number"] == "CERT-REVOKED-CCC-2026-000001"
    assert file["grade_history"][-1]["trigger"].startswith("record_added:")
    profile = client.get(f"/public/enterprises/{HANGZHOU}").json()
    assert profile["risk_grade"]["grade"] in ("C", "D")


def test_revocation_not_for_cause_and_other_events_leave_no_record(
    engine: Engine, settings: CreditSettings
) -> None:
    c = consumer(engine, settings)
    c.handle_raw(
        sample(
            "registry.certificate.revoked.v1.json",
            for_cause=False,
            reason_code="suspension_not_remedied",
        )
    )
    c.handle_raw(sample("registry.certificate.issued.v1.json"))
    assert records(engine) == []
    assert c.stats.processed == 2  # recorded as processed all the same


def test_accreditation_withdrawal_becomes_a_record_of_the_body(
    engine: Engine, settings: CreditSettings, client: TestClient
) -> None:
    c = consumer(engine, settings)
    c.handle_raw(sample("registry.body.accreditation_changed.v1.json"))
    confirm_all(client, settings)
    [(uscc, record_class, severity)] = records(engine)
    assert record_class == "accreditation_withdrawn" and severity == "very_serious"
    with engine.connect() as conn:
        category = conn.execute(
            text("SELECT category FROM enterprise WHERE uscc = :u"), {"u": uscc}
        ).scalar_one()
    assert category == "certification_body"


@pytest.mark.parametrize(
    "outcome,expected",
    [("fail", "spot_check_failed"), ("refused", "inspection_refused"), ("pass", None)],
)
def test_final_inspection_results(
    engine: Engine, settings: CreditSettings, client: TestClient, outcome: str, expected: str | None
) -> None:
    """A refusal is proposed when final; a failure only once final *and published*."""
    c = consumer(engine, settings)
    c.handle_raw(sample("inspection.result.finalised.v1.json", outcome=outcome))
    if outcome == "fail":
        assert confirm_all(client, settings) == []  # not yet published
        c.handle_raw(sample("inspection.result.published.v1.json", outcome=outcome))
    if outcome == "refused":  # confirmed only with the regulator's own decision
        app_of(client).state.today = today_in_china
        national = bearer(
            settings,
            role="regulator",
            sub="samr",
            authority_level="national",
            region_code="100000",
            department="SAMR",
        )
        [p] = client.get("/record-proposals", headers=national).json()["items"]
        r = client.post(
            f"/record-proposals/{p['id']}/decision",
            headers=national,
            json={"confirm": True, "reason": "Refusal established."},
        )
        problem(r, 422, "decision_required")
        assert records(engine) == []
    confirm_all(client, settings, decision_number="浙市监罚〔2026〕7号")
    got = [r[1] for r in records(engine)]
    assert got == ([expected] if expected else [])
    if expected:
        with engine.connect() as conn:
            kinds = set(conn.execute(text("SELECT kind FROM notice")).scalars())
        assert "record_decided" in kinds  # the enterprise is notified of the decision


@pytest.mark.parametrize(
    "path",
    sorted([*SAMPLES.glob("registry.*.json"), *SAMPLES.glob("inspection.*.json")]),
    ids=lambda p: p.name,
)
def test_every_consumed_golden_sample_is_accepted(
    path: Path, engine: Engine, settings: CreditSettings
) -> None:
    c = consumer(engine, settings)
    c.handle_raw(path.read_bytes())
    assert c.stats.processed == 1 and c.stats.dead_lettered == 0
