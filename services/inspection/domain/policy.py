"""The six-month no-repeat rule and the running-check rule, as versioned policy data. Pure.

Seed text: "对产品质量监督抽查合格的同一企业同一规格型号产品，6个月内任何地方、部门和机构不得重复抽查".
A unit (one enterprise's product of one specification/model) that passed a counting check is
not eligible for any authority's draw through the last day of a ``window_months`` period from
its sampling date, counted by the Civil Code (``shared.periods``, arts. 201-202): the sampling
day is not counted and the period ends on the corresponding day, so a unit sampled on 06-01
is protected through 12-01, the same day the credit service counts. A unit
in a running check (drawn, no final result yet) is not eligible for any other plan's draw:
that covers "a higher level's running check excludes the unit from lower levels' draws", and
the database makes it hold even for two draws at the same moment (one claim row per unit).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from services.inspection.domain.model import CheckType, Outcome
from shared.auth.principal import AuthorityLevel
from shared.exceptions import InvalidInput
from shared.periods import Counting, Period, Unit, period_end
from shared.periods import add_months as _civil_code_add_months


class Rule(StrEnum):
    HIGHER_LEVEL_RUNNING_CHECK = "higher_level_running_check"
    RUNNING_CHECK = "running_check"
    SIX_MONTH_PASS = "six_month_pass"


def add_months(day: date, months: int) -> date:
    """Calendar months later (or earlier), clamped to the month's last day (Aug 31 + 6 = Feb 28)."""
    return _civil_code_add_months(day, months)


@dataclass(frozen=True)
class EligibilityPolicy:
    version: int
    window_months: int = 6
    counting_check_types: frozenset[CheckType] = frozenset({CheckType.SUPERVISORY_SPOT_CHECK})
    counting_outcomes: frozenset[Outcome] = frozenset({Outcome.PASS})
    # Enterprises on the dishonesty list lose the exemption: they may be drawn again at once.
    dishonest_exemption_lifted: bool = True
    note: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.window_months <= 36:
            raise InvalidInput("window_months must be 0..36", code="invalid_policy")
        if not self.counting_outcomes:
            raise InvalidInput("a policy counts at least one outcome", code="invalid_policy")

    @property
    def window(self) -> Period:
        return Period(self.window_months, Unit.MONTHS)

    def protected_until(self, sampling_date: date) -> date:
        """The last protected day: the period's last day under the Civil Code."""
        return period_end(sampling_date, self.window).day

    def protected_from(self, today: date) -> date:
        """The earliest sampling date whose protection still covers ``today``, so a unit is
        excluded iff ``sampling_date >= protected_from`` (sampled today counts as protected
        for any window of at least one month)."""
        if self.window_months == 0:
            return today + timedelta(days=1)
        start = add_months(today, -self.window_months) - timedelta(days=4)
        while self.protected_until(start) < today:
            start += timedelta(days=1)
        return start

    def as_doc(self) -> dict:
        return {
            "version": self.version,
            "window_months": self.window_months,
            "counting": Counting.CIVIL_CODE.value,
            "counting_source": "民法典 第二百零一条、第二百零二条 (last protected day = the "
            "corresponding day window_months after the sampling date)",
            "scope": "same_enterprise_same_product_model",
            "counting_check_types": sorted(c.value for c in self.counting_check_types),
            "counting_outcomes": sorted(o.value for o in self.counting_outcomes),
            "dishonest_exemption_lifted": self.dishonest_exemption_lifted,
            "running_checks": "any other plan's running check excludes the unit",
            "note": self.note,
        }

    @classmethod
    def from_doc(cls, doc: Mapping) -> "EligibilityPolicy":
        try:
            return cls(
                version=int(doc["version"]),
                window_months=int(doc.get("window_months", 6)),
                counting_check_types=frozenset(
                    CheckType(c)
                    for c in doc.get("counting_check_types", ["supervisory_spot_check"])
                ),
                counting_outcomes=frozenset(
                    Outcome(o) for o in doc.get("counting_outcomes", ["pass"])
                ),
                dishonest_exemption_lifted=bool(doc.get("dishonest_exemption_lifted", True)),
                note=str(doc.get("note", "")),
            )
        except (KeyError, ValueError) as exc:
            raise InvalidInput(f"invalid policy document: {exc}", code="invalid_policy") from None


POLICY_V1 = EligibilityPolicy(
    version=1,
    note="State Council rule on supervisory spot checks: a product of the same enterprise and "
    "the same specification/model that passed is not checked again by anyone for 6 months.",
)


@dataclass(frozen=True)
class CheckRecord:
    """An earlier check of a unit (from this service's results or imported from elsewhere)."""

    unit_id: str
    outcome: Outcome
    check_type: CheckType
    sampling_date: date
    task_id: str | None
    plan_id: str | None
    authority_level: AuthorityLevel
    region_code: str


@dataclass(frozen=True)
class Claim:
    """A unit in a running check: drawn by a plan, no final result yet."""

    unit_id: str
    task_id: str
    plan_id: str
    authority_level: AuthorityLevel
    region_code: str


@dataclass(frozen=True)
class Exclusion:
    unit_id: str
    rule: Rule
    cause_task_id: str | None
    cause_plan_id: str | None
    cause_authority_level: str | None
    cause_region_code: str | None
    cause_date: date | None
    detail: str = field(default="", compare=False)

    def as_doc(self) -> dict:
        return {
            "unit_id": self.unit_id,
            "rule": self.rule.value,
            "cause": {
                "task_id": self.cause_task_id,
                "plan_id": self.cause_plan_id,
                "authority_level": self.cause_authority_level,
                "region_code": self.cause_region_code,
                "date": self.cause_date.isoformat() if self.cause_date else None,
            },
        }


def _recency(rec: CheckRecord) -> tuple[date, str, str]:
    """Which of several counting checks is named as the cause: the latest sampled."""
    return (rec.sampling_date, rec.task_id or "", rec.plan_id or "")


def running_check_exclusion(claim: Claim, plan_level: AuthorityLevel) -> Exclusion:
    higher = claim.authority_level.rank < plan_level.rank
    return Exclusion(
        unit_id=claim.unit_id,
        rule=Rule.HIGHER_LEVEL_RUNNING_CHECK if higher else Rule.RUNNING_CHECK,
        cause_task_id=claim.task_id,
        cause_plan_id=claim.plan_id,
        cause_authority_level=claim.authority_level.value,
        cause_region_code=claim.region_code,
        cause_date=None,
        detail=f"in a running {claim.authority_level.value} check (task {claim.task_id})",
    )


def exclusions(
    policy: EligibilityPolicy,
    *,
    today: date,
    plan_id: str,
    plan_level: AuthorityLevel,
    units: Iterable[tuple[str, str]],
    dishonest: set[str],
    claims: Iterable[Claim],
    history: Iterable[CheckRecord],
) -> dict[str, Exclusion]:
    """Why each excluded unit is excluded; ``units`` are (unit_id, enterprise_uscc) in scope.

    The SQL adapter computes the same set-based for whole rosters; tests hold the two equal.
    """
    enterprise = dict(units)
    found: dict[str, Exclusion] = {}
    for claim in claims:
        if claim.unit_id in enterprise and claim.plan_id != plan_id:
            found.setdefault(claim.unit_id, running_check_exclusion(claim, plan_level))
    since = policy.protected_from(today)
    latest: dict[str, CheckRecord] = {}
    for rec in history:
        if (
            rec.unit_id in enterprise
            and rec.unit_id not in found
            and rec.outcome in policy.counting_outcomes
            and rec.check_type in policy.counting_check_types
            and since <= rec.sampling_date <= today
            and not (policy.dishonest_exemption_lifted and enterprise[rec.unit_id] in dishonest)
        ):
            best = latest.get(rec.unit_id)
            if best is None or _recency(rec) > _recency(best):
                latest[rec.unit_id] = rec
    for unit_id, rec in latest.items():
        found[unit_id] = Exclusion(
            unit_id=unit_id,
            rule=Rule.SIX_MONTH_PASS,
            cause_task_id=rec.task_id,
            cause_plan_id=rec.plan_id,
            cause_authority_level=rec.authority_level.value,
            cause_region_code=rec.region_code,
            cause_date=rec.sampling_date,
            detail=f"passed a check sampled on {rec.sampling_date.isoformat()}",
        )
    return found
