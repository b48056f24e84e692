"""Issue 10 probes: bad input to the credit service is a 4xx problem, never a 500."""

import base64
import json

from fastapi.testclient import TestClient

from services.credit.config import CreditSettings
from tests.credit.conftest import HANGZHOU, record


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def test_unstorable_text_is_422_on_writes_and_reads(
    client: TestClient, enterprises: None, as_regulator: dict[str, str]
) -> None:
    probes = [
        client.post(
            "/enterprises",
            headers=as_regulator,
            json={"uscc": HANGZHOU, "name": "杭州\x00", "category": "enterprise"},
        ),
        client.post("/records", headers=as_regulator, json=record(facts="a\x00b")),
        client.post(
            "/records",
            headers={**as_regulator, "content-type": "application/json"},
            content=json.dumps(record(title="\ud800")),
        ),
        client.get(f"/public/enterprises/{HANGZHOU[:-1]}%00"),
        client.get("/public/disclosures", params={"cursor": "a\x00"}),
        client.get("/listings", headers=as_regulator, params={"cursor": _cursor("v1:\x00")}),
    ]
    for r in probes:
        assert r.status_code == 422, (r.request.url, r.text)
        assert r.json()["code"] in ("unstorable_text", "unstorable_value", "invalid_cursor")


def test_out_of_range_cursors_and_dates_are_422(
    client: TestClient, enterprises: None, as_regulator: dict[str, str]
) -> None:
    r = client.get("/public/disclosures", params={"cursor": _cursor("v1:" + "9" * 30)})
    assert r.status_code == 422 and r.json()["code"] == "invalid_cursor"
    r = client.post("/records", headers=as_regulator, json=record(decision_date="9999-12-31"))
    assert 400 <= r.status_code < 500, r.text


def test_wrongly_typed_claims_are_401(client: TestClient, settings: CreditSettings) -> None:
    from tests.credit.conftest import bearer

    r = client.get(
        f"/enterprises/{HANGZHOU}", headers=bearer(settings, role="enterprise", sub="u", uscc=["x"])
    )
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"
