"""Issue 10 probes: bad input to the registry is a 4xx problem, never a 500 (both databases)."""

import base64
import json
import threading

from fastapi.testclient import TestClient

from services.registry.entrypoints.api import BULK_VERIFY_MAX_BYTES
from tests.registry.conftest import certificate


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def test_nul_bytes_are_422_on_every_kind_of_route(
    client: TestClient, bodies: None, as_body_a: dict[str, str], as_regulator: dict[str, str]
) -> None:
    probes = [
        client.post("/certificates", headers=as_body_a, json=certificate(scope="a\x00b")),
        client.post(
            "/certificates",
            headers={**as_body_a, "content-type": "application/json"},
            content=json.dumps(certificate(signer_name="\ud800")),  # escaped lone surrogate
        ),
        client.post("/public/certificates/verify", json={"numbers": ["CCC\x00"]}),
        client.get("/public/certificates", params={"holder_name": "杭州\x00安源"}),
        client.get("/public/certificates/CCC%00-1"),
        client.get("/bodies/X%00"),
        client.post(
            "/bodies",
            headers=as_regulator,
            json={"id": "B\x00", "name": "n", "uscc": "x", "region_code": "330000"},
        ),
    ]
    for r in probes:
        assert r.status_code == 422, (r.request.url, r.text)
        assert r.json()["code"] == "unstorable_text"


def test_huge_and_negative_cursors_are_invalid_cursor(client: TestClient) -> None:
    for raw in ("v1:99999999999999999999999999", "v1:-1", "v1:9223372036854775808"):
        r = client.get("/public/changes", params={"cursor": _cursor(raw)})
        assert r.status_code == 422 and r.json()["code"] == "invalid_cursor", r.text
        r = client.get(
            "/public/certificates", params={"holder_name": "杭州安源", "cursor": _cursor(raw)}
        )
        assert r.status_code == 422 and r.json()["code"] == "invalid_cursor", r.text


def test_oversized_bulk_verification_is_413_before_reading(client: TestClient) -> None:
    numbers = [f"CCC-2026-{i:06d}" for i in range(1000)]
    assert client.post("/public/certificates/verify", json={"numbers": numbers}).status_code == 200
    big = b'{"numbers": ["' + b"A" * (BULK_VERIFY_MAX_BYTES + 1) + b'"]}'
    r = client.post(
        "/public/certificates/verify", content=big, headers={"content-type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"


def test_405_names_every_allowed_method(client: TestClient) -> None:
    r = client.delete("/bodies")
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"
    assert {m.strip() for m in r.headers["allow"].split(",")} == {"GET", "HEAD", "POST"}


def test_wrongly_typed_token_claims_are_401(client: TestClient, settings: object) -> None:
    from tests.registry.conftest import bearer

    for claims in (
        {
            "role": "regulator",
            "sub": "r",
            "authority_level": "provincial",
            "department": "D",
            "region_code": 330000,
        },
        {"role": ["certification_body"], "sub": "b", "body_id": "X"},
        {"role": "certification_body", "sub": "b", "body_id": {"id": 1}},
    ):
        # claims of deliberately wrong types: the token must be refused
        r = client.get("/certificates", headers=bearer(settings, **claims))  # type: ignore[arg-type]
        assert r.status_code == 401 and r.json()["code"] == "invalid_token", r.text


def test_racing_identical_issues_give_one_201_and_no_500(
    client: TestClient, bodies: None, as_body_a: dict[str, str]
) -> None:
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def issue() -> None:
        barrier.wait()
        r = client.post("/certificates", headers=as_body_a, json=certificate("CCC-2026-777777"))
        statuses.append(r.status_code)

    threads = [threading.Thread(target=issue) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(201) == 1, statuses
    assert all(s in (201, 409) for s in statuses), statuses
