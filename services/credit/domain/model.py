"""Credit subjects (enterprises) and what every credit aggregate shares: ids, required text,
illegal transitions. Records, listings and repair applications live in ``record``, ``listing``
and ``repair``.

Pure Python: no ORM, no web. Dates with legal meaning (decision dates, publication periods,
objection deadlines, listing terms) are China Standard Time calendar dates passed in by the
caller; timestamps are aware UTC datetimes.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from services.credit.domain.catalogue import Category
from services.credit.domain.grading import CURRENT_RULES, Assessment, Grade
from shared.exceptions import Conflict, InvalidInput
from shared.workdays import WorkdayCalendar


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16].upper()}"


def required(value: str | None, what: str, code: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{what} is required", code=code)
    return text


class IllegalTransition(Conflict):
    code = "illegal_transition"


# -- credit subjects ----------------------------------------------------------------------------
@dataclass
class GradeChange:
    uscc: str
    from_grade: Grade | None
    to_grade: Grade
    score: int
    rule_version: str
    reasons: tuple[str, ...]
    trigger: str
    occurred_at: datetime


@dataclass
class Enterprise:
    uscc: str
    name: str
    region_code: str
    category: Category
    # The natural person operating an individual business: personal data, never public as is.
    operator_name: str | None = None
    operator_id_number: str | None = None
    risk_grade: Grade = Grade.A
    grade_score: int = 0
    grade_rule_version: str = CURRENT_RULES.version
    graded_at: datetime | None = None

    def regrade(self, assessment: Assessment, *, trigger: str, at: datetime) -> GradeChange | None:
        """Apply an assessment; returns the change to record and announce, if the grade moved."""
        old = self.risk_grade
        self.grade_score = assessment.score
        self.grade_rule_version = assessment.rule_version
        self.graded_at = at
        if assessment.grade is old:
            return None
        self.risk_grade = assessment.grade
        return GradeChange(
            self.uscc,
            old,
            assessment.grade,
            assessment.score,
            assessment.rule_version,
            assessment.reasons,
            trigger,
            at,
        )


# Year terms are calendar arithmetic and never consult the holiday calendar.
NO_CALENDAR = WorkdayCalendar()
