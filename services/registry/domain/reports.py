"""Reports of suspicious certificates from the public: the regulator's triage queue.

Pure rules: what a report must say, which outcomes close it, and who may see it.
"""

import re
from enum import StrEnum

from shared.exceptions import Conflict, InvalidInput


class ReportStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


# How a regulator closes a report (data; shown by GET /suspicious-reports/outcomes).
OUTCOMES: dict[str, str] = {
    "confirmed_forgery": "Certificate forged or altered; case opened",
    "certificate_genuine": "Certificate exists and matches what was presented",
    "misuse_referred": "Genuine certificate misused (scope, holder, mark); referred for action",
    "unfounded": "Nothing to act on",
    "referred_elsewhere": "Outside this regulator's competence; referred",
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def scrub(text: str) -> str:
    """Free text from the public: control characters removed, whitespace trimmed."""
    return _CONTROL.sub("", text).strip()


def check_outcome(outcome: str) -> None:
    if outcome not in OUTCOMES:
        raise InvalidInput(
            f"{outcome!r} is not a report outcome", code="unknown_outcome", allowed=sorted(OUTCOMES)
        )


def check_open(status: str) -> None:
    if status != ReportStatus.OPEN:
        raise Conflict("the report is already closed", code="report_closed", current_status=status)
