"""Certification personnel (认证人员): who may audit and sign, their integrity records, bans.

谁签字、谁担责: a certificate's signer must be a registered, active signer of the issuing body.
Misconduct findings follow due process (proposed -> objection window -> confirmed | withdrawn)
before a ban; a ban stops signing at once and flags the person's past certificates for review.
Pure Python: no ORM, no web.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from shared.exceptions import Conflict, InvalidInput


class PersonStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"  # left the body or registration lapsed
    BANNED = "banned"


class PersonRole(StrEnum):
    AUDITOR = "auditor"
    SIGNER = "signer"  # certification decision maker who signs certificates


class FindingStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class FindingKind:
    name: str
    legal_basis: str
    max_ban: str  # "lifetime", or a number of months
    review: bool = True


# Misconduct of certification personnel, with the heaviest ban the law allows for it.
FINDINGS: dict[str, FindingKind] = {
    "false_certification": FindingKind(
        "Signed or made a false certification conclusion",
        "认证认可条例 (2020) art. 62 and art. 74: 撤销执业资格, 终身不得从事认证活动",
        "lifetime",
    ),
    "practising_in_two_bodies": FindingKind(
        "Practised in two bodies at once or outside a body",
        "认证认可条例 (2020) art. 73: 停止执业 6 个月以上 2 年以下",
        "24",
    ),
    "audit_not_performed": FindingKind(
        "Audit records without the audit having been performed as required",
        "认证机构管理办法 (2017) art. 45; 认证认可条例 art. 62",
        "24",
    ),
    "conflict_of_interest": FindingKind(
        "Certified an organisation with which they had a conflict of interest",
        "认证认可条例 (2020) art. 73",
        "24",
    ),
}
OBJECTION_DAYS = 15  # as for enterprises' dishonesty listings (credit service default)


def check_finding_code(code: str) -> FindingKind:
    kind = FINDINGS.get(code)
    if kind is None:
        raise InvalidInput(
            f"{code!r} is not a misconduct finding",
            code="unknown_finding",
            allowed=sorted(FINDINGS),
        )
    return kind


def check_can_sign(
    *,
    status: str,
    roles: list[str],
    person_body: str,
    body_id: str,
    banned_until: date | None,
    today: date,
) -> None:
    """Refuse a signer who is not an active registered signer of the issuing body."""
    if person_body != body_id:
        raise Conflict(
            f"the signer is not registered with body {body_id}", code="signer_not_registered"
        )
    if status == PersonStatus.BANNED and (banned_until is None or banned_until >= today):
        raise Conflict("the signer is banned from certification work", code="signer_banned")
    if status == PersonStatus.INACTIVE:
        raise Conflict("the signer's registration is not active", code="signer_not_active")
    if PersonRole.SIGNER not in roles:
        raise Conflict("the person is not registered as a signer", code="signer_not_authorised")


def check_ban(kind: FindingKind, until: date | None, today: date) -> None:
    """A ban no heavier than the finding allows: lifetime only where the law says so."""
    if kind.max_ban == "lifetime":
        return
    if until is None:
        raise InvalidInput(
            "this finding allows no lifetime ban; give an end date", code="ban_exceeds_finding"
        )
    longest = today + timedelta(days=31 * int(kind.max_ban))
    if until > longest:
        raise InvalidInput(
            f"this finding allows a ban of at most {kind.max_ban} months ({kind.legal_basis})",
            code="ban_exceeds_finding",
        )


def check_decidable(status: str, objection_deadline: date, objected: bool, today: date) -> None:
    if status != FindingStatus.PROPOSED:
        raise Conflict(f"the finding is already {status}", code="finding_decided")
    if not objected and today <= objection_deadline:
        raise Conflict(
            f"the objection window is open until {objection_deadline}",
            code="objection_window_open",
        )
