"""Risk grade (A low, B medium, C high, D very high) from a versioned rule table.

Rule table 2026.1, in words:
1. An enterprise on the dishonesty list (a listing in force) is graded D, whatever else.
2. Otherwise each record in force (published, not repaired) scores points by its severity:
   minor 1, general 3, serious 6, very serious 12, and a commendation -2. The score is the
   sum, never below 0.
3. Score 12 or more: D; 6 or more: C; 1 or more: B; 0: A.

A new table gets a new version; the old ones stay here so a grade can always be explained by
the version it was computed under. Every grade change is stored with its rule version.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from services.credit.domain.catalogue import Severity


class Grade(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


GRADE_LABELS = {
    Grade.A: "low risk",
    Grade.B: "medium risk",
    Grade.C: "high risk",
    Grade.D: "very high risk",
}


@dataclass(frozen=True)
class RuleTable:
    version: str
    summary: str
    points: dict[Severity, int]
    listed_grade: Grade
    thresholds: tuple[tuple[Grade, int], ...]  # (grade, minimum score), highest risk first
    default: Grade = Grade.A

    def grade_for(self, score: int) -> Grade:
        for grade, minimum in self.thresholds:
            if score >= minimum:
                return grade
        return self.default


RULES_2026_1 = RuleTable(
    version="2026.1",
    summary=(
        "Listed on the dishonesty list: D. Otherwise points of the records in force "
        "(minor 1, general 3, serious 6, very serious 12, commendation -2; total at least 0): "
        ">= 12 D, >= 6 C, >= 1 B, else A."
    ),
    points={
        Severity.POSITIVE: -2,
        Severity.MINOR: 1,
        Severity.GENERAL: 3,
        Severity.SERIOUS: 6,
        Severity.VERY_SERIOUS: 12,
    },
    listed_grade=Grade.D,
    thresholds=((Grade.D, 12), (Grade.C, 6), (Grade.B, 1)),
)

RULE_TABLES: dict[str, RuleTable] = {t.version: t for t in (RULES_2026_1,)}
CURRENT_RULES = RULES_2026_1


@dataclass(frozen=True)
class Assessment:
    grade: Grade
    score: int
    rule_version: str
    reasons: tuple[str, ...]


def assess(
    severities: Iterable[Severity], listed: bool, rules: RuleTable = CURRENT_RULES
) -> Assessment:
    """Grade from the severities of the records in force and whether a listing is in force."""
    counted = list(severities)
    score = max(0, sum(rules.points[s] for s in counted))
    reasons = [f"{len(counted)} records in force score {score} points"]
    grade = rules.grade_for(score)
    if listed:
        grade = rules.listed_grade
        reasons.insert(0, "on the dishonesty list")
    return Assessment(grade, score, rules.version, tuple(reasons))
