"""Credit events through the outbox and the relay to the real broker."""

import random
from datetime import date

import pytest
from sqlalchemy.engine import Engine

from devtools.testing.broker import TestBroker
from devtools.testing.kafka import read_topic
from devtools.testing.relay import relay_for_tests
from services.credit.adapters.orm import outbox
from services.credit.service_layer import listings, records
from services.credit.service_layer.commands import AddRecord, ProposeListing
from services.credit.service_layer.policy import SystemActor
from services.credit.service_layer.unit_of_work import CreditUnitOfWork
from shared import uscc
from shared.auth import AuthorityLevel, Principal, Role
from shared.contracts.credit import CreditRecordAddedV1, ListingProposedV1
from shared.events import EventEnvelope, contracts
from shared.relay import OutboxRelay

pytestmark = pytest.mark.broker
TODAY = date(2026, 9, 1)
REGULATOR = Principal(
    Role.REGULATOR,
    "zj",
    authority_level=AuthorityLevel.PROVINCIAL,
    department="ZJAMR",
    region_code="330000",
)


def relay_for(engine: Engine, broker: TestBroker) -> OutboxRelay:
    return relay_for_tests("credit", engine, outbox, broker.bootstrap)


def credit_events(broker: TestBroker, subject: str) -> list[EventEnvelope]:
    return [
        EventEnvelope.from_bytes(m.value)
        for m in read_topic(broker.bootstrap, "credit.events")
        if m.key == subject.encode()
    ]


def test_record_added_by_a_consumer_arrives_once_with_a_valid_envelope(
    engine: Engine, broker: TestBroker
) -> None:
    # an enterprise of its own: the topic is shared by both backends' runs of this test
    subject = uscc.make(f"91330100M{random.randrange(10**7):07d}")
    cmd = AddRecord(
        uscc=subject,
        record_class="accreditation_withdrawn",  # a listing ground (revoked approval)
        severity="very_serious",
        title="Approval of certification body withdrawn: false certification",
        legal_basis="《认证认可条例》",
        decision_number="CCC-2026-000001",
        decision_date=date(2026, 8, 20),
        source_service="registry",
        source_department="CNCA-R-2002-001",
        source_event_id="0b9f6f1e-5c55-4d5e-9d3e-000000000001",
        enterprise_name="杭州安源电器有限公司",
    )
    consumer = SystemActor("registry-consumer")
    record = records.add_record(CreditUnitOfWork(engine), cmd, consumer, today=TODAY)
    # a redelivery of the source event changes nothing and emits nothing
    records.add_record(CreditUnitOfWork(engine), cmd, consumer, today=TODAY)
    listings.propose_listing(
        CreditUnitOfWork(engine),
        ProposeListing(
            subject,
            "forged certificates",
            "《严重违法失信名单管理办法》第十条",
            [record.id],
            ["no_new_certificates"],
        ),
        REGULATOR,
        today=TODAY,
    )
    relay = relay_for(engine, broker)
    try:
        sent = 0
        while batch := relay.publish_batch():
            sent += batch
        assert sent == 3  # record added, grade changed, listing proposed
        assert relay.publish_batch() == 0  # marked sent: nothing goes twice
    finally:
        relay.reset_producer()

    events = credit_events(broker, subject)
    added = [e for e in events if e.event_type == "credit.record.added"]
    assert len(added) == 1
    envelope = added[0]
    assert (envelope.producer, envelope.schema_version, envelope.subject) == ("credit", 1, subject)
    payload = contracts.parse(envelope)
    assert isinstance(payload, CreditRecordAddedV1)
    assert (payload.record_id, payload.source_event_id) == (record.id, cmd.source_event_id)
    assert payload.kind == "administrative_penalty" and payload.source_service == "registry"
    assert [e.event_type for e in events] == [
        "credit.record.added",
        "credit.risk_grade.changed",
        "credit.listing.proposed",
    ]  # one key, one partition: in commit order
    proposed = contracts.parse(events[2])
    assert isinstance(proposed, ListingProposedV1)
    assert proposed.measures[0].enforcing_service == "registry"
