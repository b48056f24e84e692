"""One request id followed across the services, all processes real: the credit API's listing
confirmation -> credit's events -> the registry consumer withdraws the body's accreditation and
emits its event. Every one of those events carries the confirmation's request id as its
correlation id. (A withdrawal for a lifetime ban adds no credit record: the ban already is the
punishment, so the flow ends at the registry.)"""

import uuid

import pytest

from devtools.testing.kafka import wait_until
from devtools.testing.system import System
from shared.events import EventEnvelope
from shared.kafka import read_topic
from tests.e2e.conftest import NATIONAL, enterprise, list_enterprise

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


def events(system: System, topic: str, correlation_id: str) -> list[EventEnvelope]:
    found = [EventEnvelope.from_bytes(m.value) for m in read_topic(system.broker.bootstrap, topic)]
    return [e for e in found if e.correlation_id == correlation_id]


def test_one_request_id_follows_a_listing_through_every_service(system: System) -> None:
    body_id, body_uscc = "CNCA-R-2011-777", enterprise(777)  # no other e2e test uses it
    with system.client("registry", **NATIONAL) as reg:
        r = reg.post(
            "/bodies",
            json={
                "id": body_id,
                "name": "某关联认证有限公司",
                "uscc": body_uscc,
                "region_code": "330100",
                "approved_schemes": ["ISO9001"],
            },
        )
        assert r.status_code == 201, r.text
    request_id = f"e2e-{uuid.uuid4().hex}"
    list_enterprise(
        system, body_uscc, ["lifetime_ban"], category="certification_body", request_id=request_id
    )

    def registry_withdrawal() -> list[EventEnvelope]:
        return [
            e
            for e in events(system, "registry.events", request_id)
            if e.event_type == "registry.body.accreditation_changed" and e.subject == body_id
        ]

    wait_until(lambda: registry_withdrawal(), timeout=60, interval=1)
    (withdrawal,) = registry_withdrawal()
    assert withdrawal.payload["to_status"] == "withdrawn"

    credit = events(system, "credit.events", request_id)
    assert {"credit.listing.listed", "credit.measure.applied"} <= {e.event_type for e in credit}
