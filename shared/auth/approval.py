"""Propose, then approve by another regulator: the two-person rule as one pure helper.

Powers marked ``second_approval`` in the authority table (``shared.auth.authority``) are taken
in two steps: one regulator proposes, a different one approves or rejects; both names and times
are kept on the request. The registry's withdrawal of a body's accreditation and the credit
service's file transfers both use this module; each keeps its own request table (any object
with the ``ApprovalRequest`` fields) and its own authority checks (which region each step
needs).
"""

from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from shared.auth.authority import RULES, Power
from shared.auth.principal import Principal
from shared.exceptions import Conflict, Forbidden, NotFound


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ApprovalRequest(Protocol):
    status: str
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None


def proposal(actor: Principal, now: datetime) -> dict[str, Any]:
    """The fields of a new request: pending, proposed by ``actor`` at ``now``."""
    return {
        "status": ApprovalStatus.PENDING.value,
        "proposed_by": actor.actor(),
        "proposed_at": now,
    }


def refuse_second_proposal(pending: ApprovalRequest | None, detail: str, code: str) -> None:
    """One request at a time per subject: 409 ``code`` while one is pending."""
    if pending is not None and pending.status == ApprovalStatus.PENDING:
        raise Conflict(detail, code=code)


def decide(
    request: ApprovalRequest | None,
    power: Power,
    approve: bool,
    actor: Principal,
    now: datetime,
    *,
    not_found: tuple[str, str],
) -> ApprovalRequest:
    """Approve or reject a pending request as a second regulator; returns the request.

    ``not_found`` = (detail, code) of the 404 when there is no pending request. The proposer may
    not decide (403 ``second_approval_required``). The caller checks the actor's authority
    first, then applies the change on approval.
    """
    if not RULES[power].second_approval:
        raise ValueError(f"{power.value} is not a two-step power")
    if request is None or request.status != ApprovalStatus.PENDING:
        detail, code = not_found
        raise NotFound(detail, code=code)
    if request.proposed_by == actor.actor():
        raise Forbidden(
            f"{power.value} needs a second regulator: the proposer cannot decide it",
            code="second_approval_required",
        )
    status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    request.status = status.value
    request.decided_by, request.decided_at = actor.actor(), now
    return request
