"""The hearing on a proposed listing, pure domain (no database): window, availability,
notice period, and nothing decided before the hearing has concluded."""

from dataclasses import replace
from datetime import date

import pytest

from services.credit.domain import hearing
from services.credit.domain.listing import Listing, ListingStatus
from services.credit.domain.model import IllegalTransition
from services.credit.domain.rules import NATIONAL_2021, HearingRule
from services.credit.service_layer import files, listings
from services.credit.service_layer.commands import ProposeListing, RegisterEnterprise
from shared.exceptions import Conflict, InvalidInput
from tests.credit.conftest import HANGZHOU
from tests.credit.fakes import FakeUnitOfWork
from tests.credit.test_services import DAY, OWNER, REGULATOR, add

RULES = NATIONAL_2021


def _listing(**overrides: object) -> Listing:
    values: dict = {
        "id": "DL-1",
        "uscc": "91330100MA2ABCDE1R",
        "reason": "r",
        "legal_basis": "b",
        "basis_record_ids": ["CR-1"],
        "measure_codes": ["no_new_certificates"],
        "term_years": 3,
        "proposed_on": date(2026, 9, 1),
        "proposed_by": "regulator:x",
        "objection_deadline": date(2026, 9, 16),
        "rule_version": RULES.version,
    }
    values.update(overrides)
    return Listing(**values)


def _code(excinfo: pytest.ExceptionInfo) -> str:
    return str(excinfo.value.code)


def test_requested_alone_blocks_until_waived() -> None:
    listing = _listing()
    hearing.request(listing, today=date(2026, 9, 16), by="enterprise:e", rules=RULES)
    with pytest.raises(Conflict) as e:
        hearing.request(listing, today=date(2026, 9, 16), by="enterprise:e", rules=RULES)
    assert _code(e) == "hearing_already_requested"
    with pytest.raises(Conflict) as e:
        hearing.require_concluded(listing, RULES)
    assert _code(e) == "hearing_not_concluded" and e.value.extra["source"]
    hearing.give_notice(
        listing,
        hearing_on=date(2026, 9, 24),
        place="Room 3",
        today=date(2026, 9, 17),
        by="regulator:x",
        rules=RULES,
    )
    with pytest.raises(Conflict):
        hearing.require_concluded(listing, RULES)
    done = hearing.record(
        listing,
        held_on=date(2026, 9, 24),
        attended=False,
        minutes="Did not come.",
        today=date(2026, 9, 25),
        by="regulator:x",
    )
    assert (done["status"], done["outcome"]) == ("concluded", "waived")
    hearing.require_concluded(listing, RULES)  # now the listing may be decided


def test_window_availability_and_state() -> None:
    with pytest.raises(Conflict) as e:
        hearing.request(_listing(), today=date(2026, 9, 17), by="e", rules=RULES)
    assert _code(e) == "hearing_request_window_closed"
    no_hearing = replace(RULES, hearing=replace(RULES.hearing, available=False))
    assert isinstance(no_hearing.hearing, HearingRule)
    with pytest.raises(Conflict) as e:
        hearing.request(_listing(), today=date(2026, 9, 2), by="e", rules=no_hearing)
    assert _code(e) == "hearing_not_available"
    with pytest.raises(IllegalTransition):
        hearing.request(
            _listing(status=ListingStatus.LISTED), today=date(2026, 9, 2), by="e", rules=RULES
        )
    listing = _listing()
    hearing.request(listing, today=date(2026, 9, 2), by="e", rules=RULES)
    with pytest.raises(InvalidInput) as too_short:
        hearing.give_notice(
            listing,
            hearing_on=date(2026, 9, 8),
            place="x",
            today=date(2026, 9, 2),
            by="r",
            rules=RULES,
        )
    assert _code(too_short) == "hearing_notice_too_short"
    hearing.require_concluded(_listing(), RULES)  # no hearing requested: nothing to wait for


def test_upholding_the_objection_needs_no_hearing() -> None:
    listing = _listing()
    hearing.request(listing, today=date(2026, 9, 2), by="e", rules=RULES)
    hearing.close_moot(listing, date(2026, 9, 3))
    assert listing.hearing is not None
    assert (listing.hearing["status"], listing.hearing["outcome"]) == ("concluded", "moot")
    hearing.require_concluded(listing, RULES)


def test_use_cases_reject_only_after_the_hearing_but_uphold_at_once() -> None:
    uow = FakeUnitOfWork()
    files.register_enterprise(uow, RegisterEnterprise(HANGZHOU, "杭州安源电器有限公司"), REGULATOR)
    record = add(uow)
    listing = listings.propose_listing(
        uow,
        ProposeListing(HANGZHOU, "r", "basis", [record.id], ["no_honours"]),
        REGULATOR,
        today=DAY,
    )
    listings.file_objection(uow, listing.id, "not us", [], OWNER, today=DAY, hearing_requested=True)
    with pytest.raises(Conflict) as e:
        listings.decide_objection(uow, listing.id, False, "established", REGULATOR, today=DAY)
    assert _code(e) == "hearing_not_concluded"
    listings.decide_objection(uow, listing.id, True, "mistaken identity", REGULATOR, today=DAY)
    stored = uow.listings.items[listing.id]
    assert stored.status is ListingStatus.REMOVED and stored.hearing["outcome"] == "moot"
