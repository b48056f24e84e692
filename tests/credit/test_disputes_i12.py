"""Issue 12: disputes over published records, with the feed showing each step."""

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.credit.conftest import HANGZHOU, problem, record
from tests.credit.test_api import feed_all


def _steps(client: TestClient, record_id: str) -> list[tuple[str, str | None]]:
    return [(i["action"], i.get("reason")) for i in feed_all(client) if i["id"] == record_id]


def _dispute(client: TestClient, headers: dict[str, str], record_id: str) -> httpx.Response:
    r: httpx.Response = client.post(
        f"/records/{record_id}/disputes",
        headers=headers,
        json={"statement": "The decision was annulled on review.", "evidence": ["review.pdf"]},
    )
    return r


def test_dispute_upheld_by_withdrawal(
    client: TestClient,
    serious_record: str,
    as_regulator: dict[str, str],
    as_enterprise: dict[str, str],
    as_other_enterprise: dict[str, str],
    engine: Engine,
) -> None:
    problem(_dispute(client, as_other_enterprise, serious_record), 404, "record_not_found")
    r = _dispute(client, as_enterprise, serious_record)
    assert r.status_code == 201, r.text
    dispute = r.json()
    assert (
        dispute["status"] == "pending" and dispute["due_on"] == "2026-09-21"
    )  # 15 working days; Sun 20 Sep is one
    assert client.get(f"/records/{serious_record}").json()["under_dispute"] is True
    problem(_dispute(client, as_enterprise, serious_record), 409, "dispute_pending")
    assert _steps(client, serious_record) == [("publish", None), ("publish", "under_dispute")]
    feed_record = [i for i in feed_all(client) if i["id"] == serious_record][-1]["record"]
    assert feed_record["under_dispute"] is True
    r = client.post(
        f"/disputes/{dispute['id']}/decision",
        headers=as_regulator,
        json={"outcome": "withdrawn", "reason": "The penalty decision was annulled."},
    )
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert client.get(f"/records/{serious_record}").status_code == 404
    # the feed keeps no publish entry of what left disclosure, only the withdrawal
    assert _steps(client, serious_record) == [("withdraw", "dispute_withdrawn")]
    with engine.connect() as conn:
        events = list(conn.execute(text("SELECT event_type FROM outbox")).scalars())
    assert "credit.record.dispute_decided" in events
    profile = client.get(f"/public/enterprises/{HANGZHOU}").json()
    assert profile["records_in_disclosure"] == 0 and profile["risk_grade"]["grade"] == "A"
    problem(_dispute(client, as_enterprise, serious_record), 409, "record_not_published")


def test_dispute_corrected_and_rejected(
    client: TestClient,
    serious_record: str,
    as_regulator: dict[str, str],
    as_enterprise: dict[str, str],
) -> None:
    first = _dispute(client, as_enterprise, serious_record).json()
    r = client.post(
        f"/disputes/{first['id']}/decision",
        headers=as_regulator,
        json={"outcome": "corrected", "reason": "Mistyped.", "corrections": {"severity": "minor"}},
    )
    problem(r, 422, "invalid_correction")
    r = client.post(
        f"/disputes/{first['id']}/decision",
        headers=as_regulator,
        json={
            "outcome": "corrected",
            "reason": "The decision number was mistyped.",
            "corrections": {"decision_number": "杭市监罚〔2026〕21号"},
        },
    )
    assert r.status_code == 200 and r.json()["corrections"]
    public = client.get(f"/records/{serious_record}").json()
    assert public["decision_number"] == "杭市监罚〔2026〕21号" and not public["under_dispute"]
    second = _dispute(client, as_enterprise, serious_record).json()
    r = client.post(
        f"/disputes/{second['id']}/decision",
        headers=as_regulator,
        json={"outcome": "rejected", "reason": "The record matches the decision."},
    )
    assert r.json()["status"] == "rejected"
    problem(
        client.post(
            f"/disputes/{second['id']}/decision",
            headers=as_regulator,
            json={"outcome": "withdrawn", "reason": "again"},
        ),
        409,
        "illegal_transition",
    )
    assert _steps(client, serious_record) == [
        ("publish", None),
        ("publish", "under_dispute"),
        ("publish", "corrected"),
        ("publish", "under_dispute"),
        ("publish", "dispute_rejected"),
    ]
    assert client.get(f"/records/{serious_record}").status_code == 200


def test_warning_not_published_cannot_be_disputed(
    client: TestClient,
    enterprises: None,
    as_regulator: dict[str, str],
    as_enterprise: dict[str, str],
) -> None:
    r = client.post(
        "/records",
        headers=as_regulator,
        json=record(record_class="penalty_warning", severity=None),
    )
    body = problem(_dispute(client, as_enterprise, r.json()["id"]), 409, "record_not_published")
    assert body["rule_version"] == "CN-2021.1" and body["source"]
