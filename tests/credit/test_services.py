"""Use cases on the fake unit of work: events, idempotency, due process, repair, jobs."""

from dataclasses import replace
from datetime import date

import pytest

from services.credit.domain.catalogue import RemovalReason
from services.credit.domain.listing import Listing, ListingStatus
from services.credit.domain.record import CreditRecord
from services.credit.service_layer import files, jobs, listings, records, repairs
from services.credit.service_layer.commands import (
    AddRecord,
    ApplyForRepair,
    ProposeListing,
    RegisterEnterprise,
)
from services.credit.service_layer.policy import Actor, SystemActor
from shared import uscc
from shared.auth import AuthorityLevel, Principal, Role
from shared.contracts.credit import (
    CreditRecordAddedV1,
    DelistedV1,
    ListedV1,
    ListingProposedV1,
    MeasureAppliedV1,
    MeasureLiftedV1,
    RepairDecidedV1,
    RiskGradeChangedV1,
)
from shared.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from tests.credit.conftest import BEIJING, HANGZHOU
from tests.credit.fakes import FakeUnitOfWork

REGULATOR = Principal(
    Role.REGULATOR,
    "zj",
    authority_level=AuthorityLevel.PROVINCIAL,
    department="ZJAMR",
    region_code="330000",
)
BJ_REGULATOR = Principal(
    Role.REGULATOR,
    "bj",
    authority_level=AuthorityLevel.MUNICIPAL,
    department="BJAMR",
    region_code="110100",
)
OWNER = Principal(Role.ENTERPRISE, "hz", uscc=HANGZHOU)
STRANGER = Principal(Role.ENTERPRISE, "bj", uscc=BEIJING)
DAY = date(2026, 9, 1)

PENALTY = AddRecord(
    uscc=HANGZHOU,
    record_class="penalty",
    severity="serious",
    title="Substandard kettles",
    legal_basis="《产品质量法》第四十九条",
    decision_number="杭市监罚〔2026〕12号",
    decision_date=date(2026, 2, 2),
    source_service="credit",
    source_department="ZJAMR",
)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    fake = FakeUnitOfWork()
    files.register_enterprise(fake, RegisterEnterprise(HANGZHOU, "杭州安源电器有限公司"), REGULATOR)
    return fake


def add(
    uow: FakeUnitOfWork,
    cmd: AddRecord = PENALTY,
    actor: Actor = REGULATOR,
    today: date = DAY,
) -> CreditRecord:
    return records.add_record(uow, cmd, actor, today=today)


def listed(
    uow: FakeUnitOfWork,
    measures: tuple[str, ...] = ("no_new_certificates", "no_six_month_exemption"),
    confirm: bool = True,
) -> tuple[CreditRecord, Listing]:
    record = add(uow)
    listing = listings.propose_listing(
        uow,
        ProposeListing(
            HANGZHOU,
            "serious violations",
            "《严重违法失信名单管理办法》第十条",
            [record.id],
            list(measures),
        ),
        REGULATOR,
        today=DAY,
    )
    if confirm:
        listings.confirm_listing(uow, listing.id, REGULATOR, today=date(2026, 9, 17))
    return record, listing


def test_adding_a_record_publishes_it_regrades_and_emits(uow: FakeUnitOfWork) -> None:
    record = add(uow)
    assert uow.event_types() == ["credit.record.added", "credit.risk_grade.changed"]
    added = uow.of_type(CreditRecordAddedV1)[0]
    assert (added.record_id, added.kind, added.publication_until) == (
        record.id,
        "administrative_penalty",
        date(2029, 2, 2),
    )
    grade = uow.of_type(RiskGradeChangedV1)[0]
    assert (grade.from_grade, grade.to_grade, grade.rule_version) == ("A", "C", "2026.1")
    assert uow.enterprises.grade_changes[0].rule_version == "2026.1"
    assert uow.disclosures.entries == [("publish", "record", record.id, HANGZHOU, None)]
    assert all(subject == HANGZHOU for subject, _ in uow.events)


def test_a_source_event_is_recorded_once(uow: FakeUnitOfWork) -> None:
    """What the inspection/registry consumers rely on: redelivery is a no-op."""
    cmd = replace(
        PENALTY,
        source_service="inspection",
        source_department="HZ inspection team",
        source_event_id="6f1c0d8e-0000-4000-8000-000000000001",
    )
    first = add(uow, cmd, SystemActor("inspection-consumer"))
    events = len(uow.events)
    again = add(uow, cmd, SystemActor("inspection-consumer"))
    assert again.id == first.id and len(uow.events) == events
    assert len(uow.records.items) == 1
    assert first.recorded_by == "system:inspection-consumer"


def test_a_consumer_may_record_against_an_unknown_enterprise_by_name(uow: FakeUnitOfWork) -> None:
    cmd = replace(
        PENALTY,
        uscc=BEIJING,
        enterprise_name="北京某检测有限公司",
        enterprise_category="testing_lab",
        source_event_id="e-2",
    )
    add(uow, cmd, SystemActor("registry-consumer"))
    assert uow.enterprises.items[BEIJING].region_code == "110000"
    with pytest.raises(NotFound):
        add(uow, replace(PENALTY, uscc=uscc.make("9133010010009999")), REGULATOR)


def test_jurisdiction_and_failed_use_cases_leave_nothing(uow: FakeUnitOfWork) -> None:
    with pytest.raises(Forbidden) as exc:
        add(uow, actor=BJ_REGULATOR)
    assert exc.value.code == "outside_jurisdiction"
    with pytest.raises(InvalidInput):
        add(uow, replace(PENALTY, legal_basis=""))
    assert uow.records.items == {} and uow.events == [] and uow.disclosures.entries == []


def test_listing_due_process_emits_measures_with_enforcers(uow: FakeUnitOfWork) -> None:
    record = add(uow)
    cmd = ProposeListing(
        HANGZHOU,
        "serious violations",
        "《严重违法失信名单管理办法》第十条",
        [record.id],
        ["no_new_certificates", "increased_inspection_frequency"],
    )
    listing = listings.propose_listing(uow, cmd, REGULATOR, today=DAY)
    proposed = uow.of_type(ListingProposedV1)[0]
    assert proposed.objection_deadline == date(2026, 9, 16) and proposed.legal_basis
    assert uow.notices.items[-1]["legal_basis"] == proposed.legal_basis
    with pytest.raises(Conflict):  # one listing at a time
        listings.propose_listing(uow, cmd, REGULATOR, today=DAY)
    with pytest.raises(Conflict) as exc:
        listings.confirm_listing(uow, listing.id, REGULATOR, today=date(2026, 9, 16))
    assert exc.value.code == "objection_window_open"
    listings.confirm_listing(uow, listing.id, REGULATOR, today=date(2026, 9, 17))
    assert uow.of_type(ListedV1)[0].term_end == date(2029, 9, 17)
    applied = uow.of_type(MeasureAppliedV1)
    assert [(m.measure_code, m.enforcing_service) for m in applied] == [
        ("no_new_certificates", "registry"),
        ("increased_inspection_frequency", "inspection"),
    ]
    assert all(m.legal_basis and m.measure.name == m.measure_name for m in applied)
    assert uow.enterprises.items[HANGZHOU].risk_grade.value == "D"
    assert ("publish", "listing", listing.id, HANGZHOU, None) in uow.disclosures.entries


def test_objection_upheld_withdraws_the_proposal(uow: FakeUnitOfWork) -> None:
    record = add(uow)
    listing = listings.propose_listing(
        uow,
        ProposeListing(HANGZHOU, "r", "basis", [record.id], ["no_honours"]),
        REGULATOR,
        today=DAY,
    )
    with pytest.raises(NotFound):  # another enterprise cannot even see it
        listings.file_objection(uow, listing.id, "not us", [], STRANGER, today=DAY)
    listings.file_objection(uow, listing.id, "not us", ["x.pdf"], OWNER, today=DAY)
    listings.decide_objection(uow, listing.id, True, "mistaken identity", REGULATOR, today=DAY)
    delisted = uow.of_type(DelistedV1)[0]
    assert (delisted.removal_reason, delisted.from_status, delisted.measures) == (
        "objection_upheld",
        "objection_filed",
        [],
    )
    assert uow.of_type(MeasureLiftedV1) == []
    assert uow.listings.items[listing.id].status is ListingStatus.REMOVED


def test_repair_ends_disclosure_and_the_proposal_resting_on_it(uow: FakeUnitOfWork) -> None:
    record, listing = listed(uow, confirm=False)
    application = repairs.apply_for_repair(
        uow, ApplyForRepair(record.id, "we will comply", ["fine paid"]), OWNER, today=DAY
    )
    with pytest.raises(Conflict):
        repairs.apply_for_repair(uow, ApplyForRepair(record.id, "again", ["e"]), OWNER, today=DAY)
    repairs.decide_repair(
        uow, application.id, True, "corrected", REGULATOR, today=date(2026, 9, 20)
    )
    decided = uow.of_type(RepairDecidedV1)[0]
    assert decided.approved and decided.disclosure_ended
    assert decided.delisted_listing_ids == [listing.id]
    assert uow.of_type(MeasureLiftedV1) == []  # a proposal had no measures in force
    assert ("withdraw", "record", record.id, HANGZHOU, "repaired") in uow.disclosures.entries
    assert uow.enterprises.items[HANGZHOU].risk_grade.value == "A"
    with pytest.raises(Conflict):
        repairs.decide_repair(uow, application.id, False, "x", REGULATOR, today=DAY)


def test_repair_is_not_open_while_listed(uow: FakeUnitOfWork) -> None:
    record, _ = listed(uow)
    with pytest.raises(Conflict) as exc:
        repairs.apply_for_repair(
            uow, ApplyForRepair(record.id, "we will comply", ["fine paid"]), OWNER, today=DAY
        )
    assert exc.value.code == "repair_not_open_while_listed"


def test_only_regulators_decide_even_when_called_directly(uow: FakeUnitOfWork) -> None:
    record = add(uow)
    application = repairs.apply_for_repair(
        uow, ApplyForRepair(record.id, "c", ["e"]), OWNER, today=DAY
    )
    with pytest.raises(Forbidden):
        repairs.decide_repair(uow, application.id, True, "self-approved", OWNER, today=DAY)
    with pytest.raises(Forbidden):
        add(uow, actor=OWNER)
    with pytest.raises(Forbidden):
        repairs.apply_for_repair(uow, ApplyForRepair(record.id, "c", ["e"]), REGULATOR, today=DAY)


def test_rejected_repair_changes_nothing_but_the_application(uow: FakeUnitOfWork) -> None:
    record = add(uow)
    application = repairs.apply_for_repair(
        uow, ApplyForRepair(record.id, "c", ["e"]), OWNER, today=DAY
    )
    feed_before = list(uow.disclosures.entries)
    repairs.decide_repair(uow, application.id, False, "evidence insufficient", REGULATOR, today=DAY)
    assert uow.records.items[record.id].disclosed
    assert uow.disclosures.entries == feed_before
    assert not uow.of_type(RepairDecidedV1)[0].approved


def test_publication_job_withdraws_and_regrades(uow: FakeUnitOfWork) -> None:
    fine = add(
        uow,
        replace(
            PENALTY,
            record_class="penalty_small_fine",
            severity=None,
            decision_date=date(2026, 7, 1),
        ),
    )
    assert uow.enterprises.items[HANGZHOU].risk_grade.value == "B"
    assert jobs.end_publication_periods(uow, date(2026, 10, 1)) == 0  # last day: still on
    assert jobs.end_publication_periods(uow, date(2026, 10, 2)) == 1
    assert ("withdraw", "record", fine.id, HANGZHOU, "period_ended") in uow.disclosures.entries
    assert uow.of_type(RiskGradeChangedV1)[-1].to_grade == "A"
    assert jobs.end_publication_periods(uow, date(2026, 10, 2)) == 0


def test_term_job_lifts_measures(uow: FakeUnitOfWork) -> None:
    _, listing = listed(uow, measures=("procurement_exclusion",))
    assert jobs.end_listing_terms(uow, date(2029, 9, 17)) == 0
    assert jobs.end_listing_terms(uow, date(2029, 9, 18)) == 1
    lifted = uow.of_type(MeasureLiftedV1)
    assert [(m.measure_code, m.removal_reason) for m in lifted] == [
        ("procurement_exclusion", "term_ended")
    ]
    assert uow.listings.items[listing.id].removal_reason is RemovalReason.TERM_ENDED


def test_regrade_after_a_rule_table_change(uow: FakeUnitOfWork) -> None:
    add(uow)
    uow.enterprises.items[HANGZHOU].grade_rule_version = "2025.9"
    assert jobs.regrade_stale(uow, DAY) == 1
    assert uow.enterprises.items[HANGZHOU].grade_rule_version == "2026.1"
    assert jobs.regrade_stale(uow, DAY) == 0
