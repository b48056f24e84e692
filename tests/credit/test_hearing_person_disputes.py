"""Issue 12: the hearing procedure on a proposed listing, and disputes filed for a natural
person a published record names (through the API, both databases)."""

from datetime import date
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.credit.conftest import HANGZHOU, Clock, problem
from tests.credit.test_api import feed_all, proposal

PERSON = {"name": "王小明", "id_number": "330102 19800101 1234"}  # as record() names him


def _post(
    client: TestClient, path: str, headers: dict[str, str], body: dict[str, Any] | None = None
) -> httpx.Response:
    r: httpx.Response = client.post(path, headers=headers, json=body or {})
    return r


def test_hearing_requested_notified_held_then_decided(
    client: TestClient,
    serious_record: str,
    as_regulator: dict[str, str],
    as_enterprise: dict[str, str],
    as_beijing: dict[str, str],
    clock: Clock,
) -> None:
    listing = _post(client, "/listings", as_regulator, proposal(serious_record)).json()
    base = f"/listings/{listing['id']}"
    r = _post(
        client,
        f"{base}/objection",
        as_enterprise,
        {"statement": "Wrong facts.", "evidence": [], "hearing_requested": True},
    )
    assert r.status_code == 200 and r.json()["hearing"]["status"] == "requested", r.text
    decision = {"upheld": False, "reason": "The facts are established."}
    body = problem(
        _post(client, f"{base}/objection-decision", as_regulator, decision),
        409,
        "hearing_not_concluded",
    )
    assert body["rule_version"] == "CN-2021.1" and "第44号" in body["source"]
    problem(
        _post(
            client,
            f"{base}/hearing-record",
            as_regulator,
            {"held_on": "2026-09-01", "attended": True, "minutes": "m"},
        ),
        409,
        "illegal_transition",
    )  # nothing notified yet
    notice = {"hearing_on": "2026-09-07", "place": "Room 3, Hangzhou AMR"}
    body = problem(
        _post(client, f"{base}/hearing-notice", as_regulator, notice),
        422,
        "hearing_notice_too_short",
    )
    assert body["earliest"] == "2026-09-08" and "第六十四条" in body["source"]
    problem(
        _post(client, f"{base}/hearing-notice", as_beijing, notice), 403, "outside_jurisdiction"
    )
    problem(_post(client, f"{base}/hearing-notice", as_enterprise, notice), 403, "role_not_allowed")
    notice["hearing_on"] = "2026-09-10"
    r = _post(client, f"{base}/hearing-notice", as_regulator, notice)
    assert r.json()["hearing"]["status"] == "notified", r.text
    told = client.get(f"/enterprises/{HANGZHOU}/notices", headers=as_enterprise).json()[-1]
    assert told["kind"] == "hearing_notice" and "2026-09-10" in told["message"]
    held = {"held_on": "2026-09-10", "attended": True, "minutes": "Both sides heard."}
    problem(
        _post(client, f"{base}/hearing-record", as_regulator, held), 422, "hearing_date_mismatch"
    )  # still 09-01: not held yet
    problem(_post(client, f"{base}/confirm", as_regulator), 409, "hearing_not_concluded")
    clock.today = date(2026, 9, 10)
    r = _post(client, f"{base}/hearing-record", as_regulator, held)
    assert r.json()["hearing"]["status"] == "concluded", r.text
    assert r.json()["hearing"]["outcome"] == "held"
    r = _post(client, f"{base}/objection-decision", as_regulator, decision)
    assert r.status_code == 200 and r.json()["status"] == "proposed", r.text
    r = _post(client, f"{base}/confirm", as_regulator)
    assert r.status_code == 200 and r.json()["status"] == "listed", r.text


def _for_person(
    client: TestClient, headers: dict[str, str], record_id: str, person: dict[str, Any]
) -> httpx.Response:
    body = {"statement": "I was not the legal representative.", "person": person}
    return _post(client, f"/records/{record_id}/disputes/for-person", headers, body)


def _steps(client: TestClient, record_id: str) -> list[tuple[str, str | None]]:
    return [(i["action"], i.get("reason")) for i in feed_all(client) if i["id"] == record_id]


def test_dispute_for_a_named_person_rejected_then_upheld(
    client: TestClient,
    serious_record: str,
    as_regulator: dict[str, str],
    as_enterprise: dict[str, str],
    as_beijing: dict[str, str],
) -> None:
    problem(_for_person(client, as_enterprise, serious_record, PERSON), 403, "role_not_allowed")
    problem(_for_person(client, as_beijing, serious_record, PERSON), 403, "outside_jurisdiction")
    stranger = {"name": "王小明", "id_number": "330102198001019999"}
    body = problem(
        _for_person(client, as_regulator, serious_record, stranger), 422, "person_not_named"
    )
    assert "第十二条" in body["source"]
    r = _for_person(client, as_regulator, serious_record, PERSON)
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["on_behalf_of"] == {
        "person_index": 0,
        "role": "legal representative",
        "name": "王**",
    }
    assert "1234" not in r.text  # the ID number is matched, never kept
    assert client.get(f"/records/{serious_record}").json()["under_dispute"] is True
    r = _post(
        client,
        f"/disputes/{first['id']}/decision",
        as_regulator,
        {"outcome": "rejected", "reason": "The register names him."},
    )
    assert r.json()["status"] == "rejected"
    told = client.get(f"/enterprises/{HANGZHOU}/notices", headers=as_enterprise).json()[-1]
    assert told["message"].startswith("The dispute filed on behalf of 王**")
    second = _for_person(client, as_regulator, serious_record, PERSON).json()
    r = _post(
        client,
        f"/disputes/{second['id']}/decision",
        as_regulator,
        {"outcome": "withdrawn", "reason": "The register was wrong."},
    )
    assert r.json()["status"] == "withdrawn"
    assert client.get(f"/records/{serious_record}").status_code == 404
    assert _steps(client, serious_record) == [("withdraw", "dispute_withdrawn")]
    problem(_for_person(client, as_regulator, serious_record, PERSON), 409, "record_not_published")
