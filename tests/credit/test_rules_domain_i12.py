"""Issue 12, pure domain: the national rule set's rows and the early-removal conditions."""

from datetime import date

import pytest

from services.credit.domain import early_removal
from services.credit.domain.catalogue import Severity
from services.credit.domain.listing import Listing, ListingStatus
from services.credit.domain.record import CreditRecord
from services.credit.domain.rules import DEFAULT_RULES, RULESETS, describe, rules_for, ruleset
from shared.exceptions import Conflict, InvalidInput
from shared.workdays import WorkdayCalendar

RULES = DEFAULT_RULES


@pytest.mark.parametrize(
    ("record_class", "severity", "ground"),
    [
        ("penalty", Severity.SERIOUS, "heavier_penalty"),
        ("penalty", Severity.GENERAL, None),
        ("penalty_warning", Severity.MINOR, None),
        ("spot_check_failed", Severity.SERIOUS, None),
        ("inspection_refused", Severity.SERIOUS, None),
        ("inspection_refused", Severity.VERY_SERIOUS, "obstructing_inspection"),
        ("accreditation_withdrawn", Severity.VERY_SERIOUS, "licence_revoked"),
        ("certificate_revoked", Severity.VERY_SERIOUS, None),
    ],
)
def test_listing_grounds(record_class: str, severity: Severity, ground: str | None) -> None:
    found = RULES.ground_for(record_class, severity)
    assert (found.code if found else None) == ground


def test_term_bounds_and_default() -> None:
    assert RULES.term_years(None) == 3 and RULES.term_years(3) == 3
    for years in (1, 2, 4, 10):
        with pytest.raises(InvalidInput):
            RULES.term_years(years)


@pytest.mark.parametrize(
    ("category", "sector", "months"),
    [
        ("food", "food", 12),
        ("Elevators", "special_equipment", 12),
        ("drugs", "drugs", 12),
        ("toys", "industrial_products", 6),
        (None, "general", 6),
    ],
)
def test_product_category_sectors(category: str | None, sector: str, months: int) -> None:
    assert RULES.sector_for_product(category) == sector
    period = RULES.min_repair_publication(sector)
    assert period.length * (12 if period.unit.value == "years" else 1) == months


def test_versions_are_published_and_selected() -> None:
    assert ruleset(RULES.version) is RULES and rules_for("") is RULES and rules_for(None) is RULES
    with pytest.raises(InvalidInput):
        ruleset("nope")
    for rules in RULESETS.values():
        body = describe(rules)
        assert all(g["source"] for g in body["listing_grounds"])
        assert not next(p for p in body["publication"] if p["record_class"] == "penalty_warning")[
            "published"
        ]


def _listing() -> Listing:
    return Listing(
        id="DL-1",
        uscc="U",
        reason="r",
        legal_basis="b",
        basis_record_ids=["CR-0"],
        measure_codes=["no_honours"],
        term_years=3,
        proposed_on=date(2025, 1, 2),
        proposed_by="p",
        objection_deadline=date(2025, 1, 17),
        status=ListingStatus.LISTED,
        listed_on=date(2025, 2, 3),
    )


def test_early_removal_conditions_are_checked_and_shown() -> None:
    cal = WorkdayCalendar()
    listing = _listing()
    with pytest.raises(Conflict):
        early_removal.apply(
            listing,
            statement="s",
            evidence=["e"],
            new_qualifying=[],
            today=date(2026, 2, 3),
            by="e",
            rules=RULES,
            workdays=cal,
        )
    new = CreditRecord.__new__(CreditRecord)
    new.id = "CR-9"
    app = early_removal.apply(
        listing,
        statement="s",
        evidence=["e"],
        new_qualifying=[new],
        today=date(2026, 2, 4),
        by="e",
        rules=RULES,
        workdays=cal,
    )
    assert {c["code"]: c["met"] for c in app["conditions"]}["no_new_heavier_penalty"] is False
    with pytest.raises(Conflict) as exc:
        early_removal.decide(
            listing,
            granted=True,
            reason="r",
            confirmed=["obligations_fulfilled", "harm_removed"],
            today=date(2026, 2, 10),
            by="r",
        )
    assert exc.value.code == "early_removal_conditions_not_met"
    early_removal.decide(
        listing, granted=False, reason="new penalty", confirmed=[], today=date(2026, 2, 10), by="r"
    )
    assert listing.early_removal is not None
    assert listing.early_removal["status"] == "refused" and listing.status is ListingStatus.LISTED
