"""The two-person rule (shared.auth.approval) used by body withdrawal and file transfers."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from shared.auth import AuthorityLevel, Principal, Role, approval
from shared.auth.authority import Power
from shared.exceptions import Conflict, Forbidden, NotFound

NOW = datetime(2026, 12, 3, tzinfo=UTC)


def _reg(sub: str) -> Principal:
    return Principal(Role.REGULATOR, sub, authority_level=AuthorityLevel.NATIONAL)


@dataclass
class Request:
    status: str
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None


def _proposed(by: str = "a") -> Request:
    return Request(**approval.proposal(_reg(by), NOW))


def test_proposal_is_pending_with_the_proposer() -> None:
    r = _proposed()
    assert (r.status, r.proposed_by, r.proposed_at) == ("pending", "regulator:a", NOW)


def test_second_proposal_is_a_conflict_only_while_one_is_pending() -> None:
    with pytest.raises(Conflict) as e:
        approval.refuse_second_proposal(_proposed(), "waiting", "x_already_proposed")
    assert e.value.code == "x_already_proposed"
    approval.refuse_second_proposal(None, "waiting", "x")
    done = approval.decide(
        _proposed(), Power.WITHDRAW_BODY, False, _reg("b"), NOW, not_found=("", "n")
    )
    approval.refuse_second_proposal(done, "waiting", "x")


@pytest.mark.parametrize("approve, status", [(True, "approved"), (False, "rejected")])
def test_another_regulator_decides(approve: bool, status: str) -> None:
    r = approval.decide(
        _proposed(), Power.TRANSFER_CREDIT_FILE, approve, _reg("b"), NOW, not_found=("", "n")
    )
    assert (r.status, r.decided_by, r.decided_at) == (status, "regulator:b", NOW)


def test_the_proposer_cannot_decide() -> None:
    r = _proposed()
    with pytest.raises(Forbidden) as e:
        approval.decide(r, Power.WITHDRAW_BODY, True, _reg("a"), NOW, not_found=("", "n"))
    assert e.value.code == "second_approval_required" and r.status == "pending"


def test_nothing_pending_is_not_found() -> None:
    decided = approval.decide(
        _proposed(), Power.WITHDRAW_BODY, True, _reg("b"), NOW, not_found=("", "n")
    )
    for request in (None, decided):
        with pytest.raises(NotFound) as e:
            approval.decide(
                request,
                Power.WITHDRAW_BODY,
                True,
                _reg("c"),
                NOW,
                not_found=("gone", "none_waiting"),
            )
        assert e.value.code == "none_waiting"


def test_only_two_step_powers() -> None:
    with pytest.raises(ValueError):
        approval.decide(_proposed(), Power.APPROVE_BODY, True, _reg("b"), NOW, not_found=("", "n"))
