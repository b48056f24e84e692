"""Pure domain rules: periods, grading, masking, listing due process, repair eligibility."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.credit.domain import catalogue
from services.credit.domain.catalogue import Category, RemovalReason, Severity
from services.credit.domain.grading import Grade, assess
from services.credit.domain.listing import Listing, ListingStatus, propose_listing
from services.credit.domain.masking import WITHHELD, mask_name, public_persons, scrub
from services.credit.domain.model import Enterprise
from services.credit.domain.periods import Period, Unit, add_months, deadline, last_day
from services.credit.domain.record import CreditRecord, DisclosureEnd, new_record
from services.credit.domain.repair import apply_for_repair
from shared.exceptions import Conflict, DomainError, InvalidInput
from shared.workdays import WorkdayCalendar

CAL = WorkdayCalendar()
NOW = datetime(2026, 9, 1, 2, tzinfo=UTC)
USCC = "91330100MA2ABCDEXG"


def make_record(**kw: Any) -> CreditRecord:
    values: dict[str, Any] = dict(
        uscc=USCC,
        record_class_code="penalty",
        severity="serious",
        sector="general",
        title="t",
        facts="",
        legal_basis="《产品质量法》第四十九条",
        decision_number="N-1",
        decision_date=date(2026, 3, 2),
        source_service="credit",
        source_department="ZJAMR",
        persons=[],
        source_event_id=None,
        recorded_by="test",
        recorded_at=NOW,
        today=date(2026, 9, 1),
        workdays=CAL,
    )
    values.update(kw)
    return new_record(**values)


def code_of(exc: pytest.ExceptionInfo[DomainError]) -> str:
    return exc.value.code


# -- periods ----------------------------------------------------------------------------------
def test_months_use_the_corresponding_day_or_the_month_end() -> None:
    assert add_months(date(2026, 3, 2), 3) == date(2026, 6, 2)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)  # no 30 February
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)  # leap year
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)  # no calendar needed


def test_publication_period_by_class() -> None:
    warning = make_record(record_class_code="penalty_warning", severity=None)
    assert warning.publication_until == date(2026, 6, 2)  # 3 months
    assert make_record().publication_until == date(2029, 3, 2)  # 3 years


def test_working_day_period_skips_holidays_and_counts_make_up_days() -> None:
    # 2026: Mid-Autumn 25-27 Sep, National Day 1-7 Oct, Saturday 10 Oct is a working day.
    assert last_day(date(2026, 9, 24), Period(20, Unit.WORKDAYS), CAL) == date(2026, 10, 29)
    rec = make_record(
        record_class_code="spot_check_corrected", severity=None, decision_date=date(2026, 8, 3)
    )
    assert rec.publication_until == CAL.add_workdays(date(2026, 8, 3), 20)


def test_working_day_period_into_a_year_without_a_table_is_computed_provisionally() -> None:
    rec = make_record(
        record_class_code="spot_check_corrected",
        severity=None,
        decision_date=date(2026, 12, 20),
        today=date(2026, 12, 21),
    )
    # 20 working days: 9 left in December 2026 (official), then 2027 without New Year's Day
    assert rec.publication_until == date(2027, 1, 18)


def test_deadline_moves_past_rest_days() -> None:
    # 15 days after 20 Sep 2026 is 5 Oct, in the National Day holiday: the 8th.
    assert deadline(date(2026, 9, 20), Period(15, Unit.DAYS), CAL) == date(2026, 10, 8)
    # ... but a make-up working Saturday is a working day.
    assert deadline(date(2026, 9, 25), Period(15, Unit.DAYS), CAL) == date(2026, 10, 10)


# -- records ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"record_class_code": "nope"}, "unknown_record_class"),
        ({"sector": "fishing"}, "unknown_sector"),
        ({"severity": "positive"}, "severity_not_allowed"),
        ({"legal_basis": "  "}, "legal_basis_required"),
        ({"decision_number": ""}, "decision_number_required"),
        ({"decision_date": date(2026, 9, 2)}, "decision_date_in_future"),
    ],
)
def test_invalid_records_are_refused(overrides: dict, code: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        make_record(**overrides)
    assert code_of(exc) == code


def test_a_record_recorded_after_its_period_is_not_disclosed() -> None:
    late = make_record(
        record_class_code="penalty_small_fine", severity=None, decision_date=date(2026, 1, 5)
    )
    assert not late.disclosed and late.disclosure_end_reason is DisclosureEnd.PERIOD_ENDED
    assert not late.in_force(date(2026, 9, 1))


# -- grading ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("severities", "listed", "grade", "score"),
    [
        ([], False, Grade.A, 0),
        ([Severity.POSITIVE], False, Grade.A, 0),  # never below zero
        ([Severity.MINOR], False, Grade.B, 1),
        ([Severity.MINOR, Severity.POSITIVE], False, Grade.A, 0),
        ([Severity.SERIOUS], False, Grade.C, 6),
        ([Severity.SERIOUS, Severity.SERIOUS], False, Grade.D, 12),
        ([Severity.VERY_SERIOUS], False, Grade.D, 12),
        ([], True, Grade.D, 0),
    ],
)
def test_rule_table(severities: list, listed: bool, grade: Grade, score: int) -> None:
    result = assess(severities, listed)
    assert (result.grade, result.score, result.rule_version) == (grade, score, "2026.1")


def test_regrade_reports_changes_only() -> None:
    ent = Enterprise(USCC, "n", "330100", Category.ENTERPRISE)
    assert ent.regrade(assess([], False), trigger="t", at=NOW) is None
    change = ent.regrade(assess([Severity.SERIOUS], False), trigger="t", at=NOW)
    assert change is not None and (change.from_grade, change.to_grade) == (Grade.A, Grade.C)
    assert ent.regrade(assess([Severity.SERIOUS], False), trigger="t", at=NOW) is None


# -- masking ----------------------------------------------------------------------------------
def test_names_are_masked_and_id_numbers_withheld() -> None:
    assert mask_name("王小明") == "王**"
    assert mask_name("李四") == "李*"
    assert mask_name("John Smith") == "J*** S****"
    assert public_persons([{"role": "r", "name": "王小明", "id_number": "330102198001011234"}]) == [
        {"role": "r", "name": "王**"}
    ]
    text = "负责人王小明（身份证330102198001011234）拒绝检查，旧证号330102800101123"
    out = scrub(text, ["王小明"])
    assert out is not None
    assert "王小明" not in out and "330102198001011234" not in out and "330102800101123" not in out
    assert out.count(WITHHELD) == 2
    # a USCC or a decision number is not an ID number
    assert (
        scrub("91330100MA2ABCDEXG 杭市监罚〔2026〕12号")
        == "91330100MA2ABCDEXG 杭市监罚〔2026〕12号"
    )


# -- the dishonesty list ----------------------------------------------------------------------
def _propose(basis: list[CreditRecord] | None = None, **kw: Any) -> Listing:
    values: dict[str, Any] = dict(
        uscc=USCC,
        reason="repeated serious violations",
        legal_basis="《市场监督管理严重违法失信名单管理办法》第二条",
        basis=[make_record()] if basis is None else basis,
        measure_codes=["no_new_certificates"],
        term_years=3,
        today=date(2026, 9, 1),
        by="r",
        objection_window=Period(15, Unit.DAYS),
        workdays=CAL,
    )
    values.update(kw)
    return propose_listing(**values)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"legal_basis": ""}, "legal_basis_required"),
        ({"reason": " "}, "reason_required"),
        ({"basis": []}, "basis_required"),
        ({"measure_codes": []}, "measures_required"),
        ({"term_years": 0}, "term_out_of_bounds"),
        ({"term_years": 5}, "term_out_of_bounds"),
    ],
)
def test_listing_needs_basis_reasons_and_measures(overrides: dict, code: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        _propose(**overrides)
    assert code_of(exc) == code


def test_listing_cannot_rest_on_a_commendation_or_a_record_out_of_force() -> None:
    praise = make_record(record_class_code="commendation", severity=None)
    with pytest.raises(InvalidInput, match="not a negative record in force"):
        _propose(basis=[praise])
    ended = make_record()
    ended.end_disclosure(DisclosureEnd.REPAIRED, date(2026, 8, 1))
    with pytest.raises(InvalidInput):
        _propose(basis=[ended])


def test_due_process_objection_window_then_listing() -> None:
    listing = _propose()
    assert listing.objection_deadline == date(2026, 9, 16)
    with pytest.raises(Conflict) as exc:
        listing.confirm(date(2026, 9, 16), "r")
    assert code_of(exc) == "objection_window_open"
    listing.confirm(date(2026, 9, 17), "r")
    assert listing.status is ListingStatus.LISTED
    assert listing.term_end == date(2029, 9, 17)
    assert not listing.term_over(date(2029, 9, 17)) and listing.term_over(date(2029, 9, 18))


def test_objection_in_time_and_its_decision() -> None:
    listing = _propose()
    with pytest.raises(InvalidInput):
        listing.file_objection(" ", [], date(2026, 9, 2), "e")
    listing.file_objection("we corrected everything", ["report.pdf"], date(2026, 9, 16), "e")
    assert listing.status is ListingStatus.OBJECTION_FILED
    with pytest.raises(Conflict):
        listing.confirm(date(2026, 9, 20), "r")  # illegal while the objection is open
    listing.decide_objection(False, "the facts stand", date(2026, 9, 10), "r")
    # mypy keeps the narrowing of the assert above across the mutating call
    assert listing.status is ListingStatus.PROPOSED  # type: ignore[comparison-overlap]
    with pytest.raises(Conflict) as exc:
        listing.file_objection("again", [], date(2026, 9, 11), "e")
    assert code_of(exc) == "objection_exists"
    listing.confirm(date(2026, 9, 10), "r")  # decided: no need to wait for the deadline
    assert listing.status is ListingStatus.LISTED


def test_late_objection_and_upheld_objection() -> None:
    late = _propose()
    with pytest.raises(Conflict) as exc:
        late.file_objection("too late", [], date(2026, 9, 17), "e")
    assert code_of(exc) == "objection_window_closed"
    upheld = _propose()
    upheld.file_objection("wrong company", [], date(2026, 9, 3), "e")
    upheld.decide_objection(True, "mistaken identity", date(2026, 9, 5), "r")
    assert upheld.status is ListingStatus.REMOVED
    assert upheld.removal_reason is RemovalReason.OBJECTION_UPHELD


def test_term_end_removal_only_of_listed_and_indefinite_terms() -> None:
    listing = _propose(term_years=None)
    assert listing.term_years == 3  # the rule's default
    listing.term_years = None  # an indefinite listing made under the old behaviour
    with pytest.raises(Conflict):
        listing.remove(RemovalReason.TERM_ENDED, date(2026, 9, 20), "job")
    listing.confirm(date(2026, 9, 20), "r")
    assert listing.term_end is None and not listing.term_over(date(2099, 1, 1))
    assert (
        listing.remove(RemovalReason.BASIS_REVOKED, date(2026, 10, 9), "r") is ListingStatus.LISTED
    )
    with pytest.raises(Conflict):
        listing.remove(RemovalReason.BASIS_REVOKED, date(2026, 10, 9), "r")


def test_measure_catalogue_applies_by_category() -> None:
    chosen = catalogue.measures(
        ["no_new_certificates", "procurement_exclusion"], Category.ENTERPRISE
    )
    assert [m.enforcing_service for m in chosen] == ["registry", "external:government_procurement"]
    with pytest.raises(InvalidInput) as exc:
        catalogue.measures(["lifetime_ban"], Category.ENTERPRISE)
    assert code_of(exc) == "measure_not_applicable"
    assert catalogue.measures(["lifetime_ban"], Category.CERTIFICATION_BODY)[0].legal_basis
    with pytest.raises(InvalidInput):
        catalogue.measures(["flogging"], Category.ENTERPRISE)


# -- credit repair ----------------------------------------------------------------------------
def test_repair_after_six_months_or_a_year_for_food() -> None:
    general = make_record()  # decided 2026-03-02
    assert general.earliest_repair_application() == date(2026, 9, 3)
    with pytest.raises(Conflict) as exc:
        apply_for_repair(general, commitment="c", evidence=["e"], today=date(2026, 9, 2), by="e")
    assert code_of(exc) == "repair_too_early" and exc.value.extra["earliest"] == "2026-09-03"
    app = apply_for_repair(general, commitment="c", evidence=["e"], today=date(2026, 9, 3), by="e")
    assert app.record_id == general.id
    food = make_record(sector="food", decision_date=date(2025, 12, 1), today=date(2026, 9, 3))
    assert food.earliest_repair_application() == date(2026, 12, 2)


def test_repair_needs_commitment_evidence_and_a_repairable_record_in_force() -> None:
    rec = make_record(decision_date=date(2025, 1, 6), today=date(2026, 9, 1))
    with pytest.raises(InvalidInput, match="evidence"):
        apply_for_repair(rec, commitment="c", evidence=[" "], today=date(2026, 9, 1), by="e")
    with pytest.raises(InvalidInput, match="commitment"):
        apply_for_repair(rec, commitment="", evidence=["e"], today=date(2026, 9, 1), by="e")
    warning = make_record(
        record_class_code="penalty_warning", severity=None, decision_date=date(2026, 8, 1)
    )
    with pytest.raises(Conflict) as exc:
        apply_for_repair(warning, commitment="c", evidence=["e"], today=date(2026, 9, 1), by="e")
    assert code_of(exc) == "repair_not_available"
    rec.end_disclosure(DisclosureEnd.REPAIRED, date(2026, 9, 1))
    with pytest.raises(Conflict) as exc:
        apply_for_repair(rec, commitment="c", evidence=["e"], today=date(2026, 9, 1), by="e")
    assert code_of(exc) == "record_not_in_disclosure"


def test_credit_counts_six_months_like_the_inspection_six_month_rule() -> None:
    """Civil Code: from 06-01 the sampling/decision day is not counted, 12-01 is the last day;
    inspection's six-month rule uses the same shared.periods (tests/inspection/test_domain.py)."""
    from shared.periods import period_end

    six = Period(6, Unit.MONTHS)
    assert last_day(date(2026, 6, 1), six, CAL) == date(2026, 12, 1)
    for start in (date(2026, 6, 1), date(2026, 8, 31), date(2027, 8, 31), date(2026, 12, 31)):
        assert last_day(start, six, CAL) == period_end(start, six).day
