"""Testing labs (检验检测机构) as accountable subjects: identified by their USCC, accredited for
product categories until a date, and subject to credit records and lifetime bans.

A lab is *eligible* for inspection work only while active and within its accreditation. Pure
Python: no ORM, no web.
"""

from datetime import date
from enum import StrEnum

from shared.exceptions import Conflict, InvalidInput


class LabStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    BANNED = "banned"  # lifetime ban (终身禁入): final


L = LabStatus
LAB_TRANSITIONS: dict[LabStatus, frozenset[LabStatus]] = {
    L.ACTIVE: frozenset({L.SUSPENDED, L.WITHDRAWN, L.EXPIRED, L.BANNED}),
    L.SUSPENDED: frozenset({L.ACTIVE, L.WITHDRAWN, L.BANNED}),
    L.EXPIRED: frozenset({L.ACTIVE, L.WITHDRAWN, L.BANNED}),  # active again on re-accreditation
    L.WITHDRAWN: frozenset({L.BANNED}),
    L.BANNED: frozenset(),
}

LAB_REASONS: dict[str, str] = {
    "initial_accreditation": "Accredited (CMA / CNAS)",
    "reaccreditation": "Accreditation renewed",
    "supervision_finding": "Finding in the regulator's supervision of the lab",
    "false_report": "Issued false or inaccurate test reports (检验检测机构监督管理办法 art. 14)",
    "corrective_action_verified": "Corrective actions verified",
    "accreditation_expired": "Accreditation validity ended",
    "voluntary_exit": "Lab ceased testing activity",
    "lifetime_ban": "Permanent exit ordered (lifetime ban, joint punishment)",
}


def check_lab_change(current: str, target: LabStatus, reason_code: str) -> None:
    if reason_code not in LAB_REASONS:
        raise InvalidInput(
            f"{reason_code!r} is not a lab reason code",
            code="unknown_reason_code",
            allowed=sorted(LAB_REASONS),
        )
    if target not in LAB_TRANSITIONS[LabStatus(current)]:
        raise Conflict(
            f"a lab cannot go from {current} to {target.value}",
            code="illegal_transition",
            current_status=current,
        )


def eligible(status: str, valid_until: date, today: date) -> bool:
    return status == LabStatus.ACTIVE and valid_until >= today
