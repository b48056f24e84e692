"""Every event the registry emits matches its contract and golden sample."""

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from devtools.testing.contracts import assert_matches_contract, outbox_events
from services.registry.adapters.orm import outbox
from tests.registry.conftest import BODY_A, certificate


def test_emitted_events_match_contracts(
    client: TestClient,
    issued: str,
    as_body_a: dict[str, str],
    as_national: dict[str, str],
    engine: Engine,
) -> None:
    for action, code in (
        ("suspend", "misuse_of_mark"),
        ("restore", "corrective_action_verified"),
        ("revoke", "forgery"),
    ):
        client.post(
            f"/certificates/{issued}/{action}", headers=as_body_a, json={"reason_code": code}
        )
    client.post("/certificates", headers=as_body_a, json=certificate("C-2"))
    client.post(
        "/certificates/C-2/renew", headers=as_body_a, json={"successor": certificate("C-3")}
    )
    client.post(
        "/certificates/C-3/cancel", headers=as_body_a, json={"reason_code": "holder_surrender"}
    )
    client.post(
        f"/bodies/{BODY_A}/accreditation",
        headers=as_national,
        json={"status": "suspended", "reason_code": "surveillance_finding"},
    )
    events = outbox_events(engine, outbox.table)
    kinds = {e.event_type for e in events}
    assert {
        "registry.certificate.issued",
        "registry.certificate.suspended",
        "registry.certificate.restored",
        "registry.certificate.revoked",
        "registry.certificate.replaced",
        "registry.certificate.cancelled",
        "registry.body.accreditation_changed",
    } <= kinds
    revoked = next(e for e in events if e.event_type == "registry.certificate.revoked")
    assert revoked.payload["for_cause"] is True
    for event in events:
        assert_matches_contract(event)
