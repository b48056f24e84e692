"""Plans, tasks and results of "双随机、一公开" spot checks. Pure Python: no ORM, no web."""

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from shared.auth.principal import AuthorityLevel
from shared.exceptions import Conflict, InvalidInput
from shared.periods import Period, Unit, WorkingCalendar, period_end


class RiskClass(StrEnum):
    """Enterprise credit risk classes, as graded by the credit service (A lowest risk)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"


class CheckType(StrEnum):
    SUPERVISORY_SPOT_CHECK = "supervisory_spot_check"  # 产品质量监督抽查
    RISK_MONITORING = "risk_monitoring"  # 风险监测: does not count for the six-month rule


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    REFUSED = "refused"  # the enterprise refused the inspection
    NOT_FOUND = "not_found"  # nobody / no production at the registered address


class ResultStatus(StrEnum):
    PROVISIONAL = "provisional"  # a failure inside its objection and re-test window
    OBJECTED = "objected"  # the enterprise objected in time; waits for the re-test
    FINAL = "final"


class SnapshotStatus(StrEnum):
    """A frozen roster's life: committed (drawable), then drawn once, or abandoned when a newer
    snapshot of the plan supersedes it undrawn (it stays in the transparency log)."""

    COMMITTED = "committed"
    DRAWN = "drawn"
    ABANDONED = "abandoned"

    def check_drawable(self) -> None:
        if self is not SnapshotStatus.COMMITTED:
            raise SnapshotNotDrawable(self)


class SnapshotNotDrawable(Exception):
    """Only a committed snapshot is drawn; the service layer answers 409."""

    def __init__(self, status: SnapshotStatus) -> None:
        super().__init__(status.value)
        self.status = status


class DrawStatus(StrEnum):
    """A plan has one active draw; a recorded re-draw supersedes it (its tasks are cancelled)."""

    ACTIVE = "active"
    SUPERSEDED = "superseded"


class TaskStatus(StrEnum):
    ASSIGNED = "assigned"
    RESULT_RECORDED = "result_recorded"
    FINAL = "final"
    PUBLISHED = "published"
    CANCELLED = "cancelled"  # superseded by a recorded re-draw, or withdrawn with a reason


# How finely "same region" is judged for cross-region teams: by the level below the plan's
# authority (a provincial plan wants inspectors from another city, GB/T 2260 prefix of 4).
REGION_GRANULARITY = {
    AuthorityLevel.NATIONAL: 2,
    AuthorityLevel.PROVINCIAL: 4,
    AuthorityLevel.MUNICIPAL: 6,
    AuthorityLevel.COUNTY: 6,
}

MAX_CLASS_WEIGHT = 100
MAX_DISHONEST_MULTIPLIER = 10


@dataclass(frozen=True)
class Stratum:
    """Part of the sample: the risk classes it draws from and its size (count or ratio)."""

    risk_classes: tuple[RiskClass, ...]
    size: int | None = None
    ratio: Decimal | None = None

    def target(self, available: int) -> int:
        """How many to draw from ``available`` eligible units (never more than there are)."""
        wanted = self.size if self.size is not None else math.ceil(self.ratio * available)  # type: ignore[operator]
        return min(int(wanted), available)

    def as_doc(self) -> dict:
        return {
            "risk_classes": sorted(c.value for c in self.risk_classes),
            "size": self.size,
            "ratio": str(self.ratio) if self.ratio is not None else None,
        }


@dataclass(frozen=True)
class Sampling:
    """Sampling weights by risk class and the strata to draw; validated on construction."""

    weights: dict[RiskClass, int]
    strata: tuple[Stratum, ...]
    dishonest_multiplier: int = 2

    def __post_init__(self) -> None:
        for cls, w in self.weights.items():
            if not isinstance(w, int) or not 1 <= w <= MAX_CLASS_WEIGHT:
                raise InvalidInput(
                    f"weight of risk class {cls} must be an integer 1..{MAX_CLASS_WEIGHT}",
                    code="invalid_weight",
                )
        if not 1 <= self.dishonest_multiplier <= MAX_DISHONEST_MULTIPLIER:
            raise InvalidInput(
                f"dishonest_multiplier must be 1..{MAX_DISHONEST_MULTIPLIER}",
                code="invalid_weight",
            )
        if not self.strata:
            raise InvalidInput("a plan needs at least one stratum", code="invalid_sampling")
        seen: set[RiskClass] = set()
        for s in self.strata:
            if not s.risk_classes:
                raise InvalidInput(
                    "a stratum names at least one risk class", code="invalid_sampling"
                )
            if seen & set(s.risk_classes):
                raise InvalidInput("strata must not share risk classes", code="overlapping_strata")
            seen |= set(s.risk_classes)
            missing = [c for c in s.risk_classes if c not in self.weights]
            if missing:
                raise InvalidInput(
                    f"no weight given for risk classes {', '.join(missing)}",
                    code="invalid_sampling",
                )
            if (s.size is None) == (s.ratio is None):
                raise InvalidInput(
                    "a stratum has either a size or a ratio", code="invalid_sampling"
                )
            if s.size is not None and s.size < 1:
                raise InvalidInput("stratum size must be at least 1", code="invalid_sampling")
            if s.ratio is not None and not Decimal(0) < s.ratio <= Decimal(1):
                raise InvalidInput("stratum ratio must be in (0, 1]", code="invalid_sampling")

    @property
    def classes(self) -> list[RiskClass]:
        return sorted({c for s in self.strata for c in s.risk_classes})

    def weight(self, risk_class: RiskClass | str, dishonest: bool) -> int:
        return self.weights[RiskClass(risk_class)] * (self.dishonest_multiplier if dishonest else 1)

    def as_doc(self) -> dict:
        return {
            "weights": {c.value: w for c, w in sorted(self.weights.items())},
            "dishonest_multiplier": self.dishonest_multiplier,
            "strata": [s.as_doc() for s in self.strata],
        }

    @classmethod
    def from_doc(cls, doc: dict) -> "Sampling":
        return cls(
            weights={RiskClass(k): int(v) for k, v in doc["weights"].items()},
            dishonest_multiplier=int(doc.get("dishonest_multiplier", 1)),
            strata=tuple(
                Stratum(
                    risk_classes=tuple(RiskClass(c) for c in s["risk_classes"]),
                    size=s.get("size"),
                    ratio=Decimal(s["ratio"]) if s.get("ratio") is not None else None,
                )
                for s in doc["strata"]
            ),
        )


@dataclass(frozen=True)
class Scope:
    """Which units a plan covers; empty lists mean "all" (within the authority's region)."""

    industries: tuple[str, ...] = ()
    product_categories: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()  # GB/T 2260 codes; a unit matches by its code's prefix
    # Only units whose enterprise holds a valid certificate of one of these schemes for the
    # same model (e.g. CCC), as mirrored from the registry's events.
    certified_schemes: tuple[str, ...] = ()
    # Linked supervision (issue 14): only CCC-catalogue units without a valid CCC certificate.
    uncertified_ccc: bool = False

    def as_doc(self) -> dict:
        doc: dict[str, object] = {
            "industries": sorted(self.industries),
            "product_categories": sorted(self.product_categories),
            "regions": sorted(self.regions),
        }
        if self.certified_schemes:  # absent when unused: older plans' documents stay as they were
            doc["certified_schemes"] = sorted(self.certified_schemes)
        if self.uncertified_ccc:
            doc["uncertified_ccc"] = True
        return doc


def region_prefix(code: str) -> str:
    """The meaningful prefix of a GB/T 2260 code: 330000 -> 33, 330100 -> 3301."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


@dataclass
class Plan:
    id: str
    name: str
    authority_level: AuthorityLevel
    department: str
    region_code: str
    check_type: CheckType
    scope: Scope
    sampling: Sampling
    team_size: int
    cross_region_teams: bool
    inspector_cooldown_days: int
    period_start: date
    period_end: date
    created_by: str = ""
    publication_deadline: date | None = None
    # A joint plan (部门联合抽查, issue 13 item 7): the other departments of the same level and
    # region taking part. One draw; each task's team has members from every department.
    joint_departments: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.team_size < 2 or self.team_size > 10:
            raise InvalidInput("a team has 2 to 10 inspectors", code="invalid_team_size")
        self._check_joint()
        if self.period_end < self.period_start:
            raise InvalidInput("the period ends before it starts", code="invalid_period")
        if self.inspector_cooldown_days < 0:
            raise InvalidInput("inspector_cooldown_days must be >= 0", code="invalid_plan")
        own = region_prefix(self.region_code)
        if self.authority_level is not AuthorityLevel.NATIONAL:
            outside = [r for r in self.scope.regions if not r.startswith(own)]
            if outside:
                raise InvalidInput(
                    f"scope regions {', '.join(outside)} are outside the authority's region",
                    code="scope_outside_jurisdiction",
                )

    def _check_joint(self) -> None:
        joint = self.joint_departments
        if len(set(joint)) != len(joint) or self.department in joint:
            raise InvalidInput(
                "joint departments are listed once each, the planning department not among them",
                code="invalid_joint_departments",
            )
        if joint and self.team_size < len(self.departments):
            raise InvalidInput(
                f"a joint plan of {len(self.departments)} departments needs teams of at least "
                f"{len(self.departments)} (one member from each)",
                code="invalid_team_size",
            )

    @property
    def departments(self) -> tuple[str, ...]:
        """Every department whose inspectors make up the teams (the planner's first)."""
        return (self.department, *sorted(self.joint_departments))

    @property
    def region_granularity(self) -> int:
        return REGION_GRANULARITY[self.authority_level]

    def as_doc(self) -> dict:
        """What of the plan a draw depends on (part of the committed snapshot)."""
        doc: dict[str, object] = {
            "plan_id": self.id,
            "authority": {
                "level": self.authority_level.value,
                "department": self.department,
                "region_code": self.region_code,
            },
            "check_type": self.check_type.value,
            "scope": self.scope.as_doc(),
            "sampling": self.sampling.as_doc(),
            "team_size": self.team_size,
            "cross_region_teams": self.cross_region_teams,
            "region_granularity": self.region_granularity,
            "inspector_cooldown_days": self.inspector_cooldown_days,
        }
        if self.joint_departments:  # absent for single-department plans: their documents stay
            doc["departments"] = sorted(self.departments)
        return doc


@dataclass(frozen=True)
class FailedItem:
    item: str
    requirement: str = ""
    measured: str = ""


@dataclass
class Result:
    """One task's result; a failure stays provisional through its objection window."""

    task_id: str
    outcome: Outcome
    sampling_date: date
    recorded_by: str
    recorded_at: datetime
    failed_items: list[FailedItem] = field(default_factory=list)
    status: ResultStatus = ResultStatus.FINAL
    objection_deadline: date | None = None
    # official | provisional (shared.periods), and the calendar data the deadline rests on
    objection_deadline_provenance: str | None = None
    objection_calendar_version: str | None = None
    objected_at: datetime | None = None
    objection_reason: str | None = None
    retested: bool = False
    finalised_at: datetime | None = None
    finalised_by: str | None = None

    @classmethod
    def record(
        cls,
        *,
        task_id: str,
        outcome: Outcome,
        failed_items: list[FailedItem],
        sampling_date: date,
        today: date,
        objection_window_days: int,
        actor: str,
        at: datetime,
        calendar: WorkingCalendar | None = None,
    ) -> "Result":
        if outcome is Outcome.FAIL and not failed_items:
            raise InvalidInput(
                "a failed result lists its failed items", code="failed_items_required"
            )
        if outcome is not Outcome.FAIL and failed_items:
            raise InvalidInput(
                "only a failed result has failed items", code="unexpected_failed_items"
            )
        if sampling_date > today:
            raise InvalidInput("the sampling date is in the future", code="invalid_sampling_date")
        result = cls(
            task_id=task_id,
            outcome=outcome,
            failed_items=failed_items,
            sampling_date=sampling_date,
            recorded_by=actor,
            recorded_at=at,
        )
        if outcome is Outcome.FAIL:
            result.status = ResultStatus.PROVISIONAL
            result.set_objection_deadline(today, objection_window_days, calendar)
        else:
            result.finalised_at = at
            result.finalised_by = actor
        return result

    def set_objection_deadline(
        self, recorded_on: date, window_days: int, calendar: WorkingCalendar | None
    ) -> date | None:
        """A party's deadline: Civil Code counting, rolled past rest days (art. 203). On
        recomputation it never moves earlier than announced. Returns the previous deadline."""
        window = Period(window_days, Unit.DAYS, roll_forward=True)
        dated = period_end(recorded_on, window, calendar)
        previous = self.objection_deadline
        self.objection_deadline = max(dated.day, previous) if previous else dated.day
        self.objection_deadline_provenance = dated.provenance.value
        self.objection_calendar_version = dated.calendar_version
        return previous

    def object(self, reason: str, today: date, at: datetime) -> None:
        if self.status is not ResultStatus.PROVISIONAL:
            raise Conflict(
                f"only a provisional result can be objected to; this one is {self.status.value}",
                code="result_not_provisional",
                result_status=self.status.value,
            )
        assert self.objection_deadline is not None
        if today > self.objection_deadline:
            raise Conflict(
                f"the objection window closed on {self.objection_deadline.isoformat()}",
                code="objection_window_closed",
                objection_deadline=self.objection_deadline.isoformat(),
            )
        self.status = ResultStatus.OBJECTED
        self.objected_at = at
        self.objection_reason = reason

    def record_retest(
        self, outcome: Outcome, failed_items: list[FailedItem], actor: str, at: datetime
    ) -> None:
        if self.status is not ResultStatus.OBJECTED:
            raise Conflict(
                "a re-test result needs an objection pending", code="no_objection_pending"
            )
        if outcome not in (Outcome.PASS, Outcome.FAIL):
            raise InvalidInput("a re-test passes or fails", code="invalid_outcome")
        if (outcome is Outcome.FAIL) != bool(failed_items):
            raise InvalidInput(
                "a failed re-test lists its failed items, a pass lists none",
                code="failed_items_required",
            )
        self.outcome = outcome
        self.failed_items = failed_items
        self.retested = True
        self._finalise(actor, at)

    def finalise_if_due(self, today: date, at: datetime) -> bool:
        """The window passed without objection: the failure becomes final."""
        if self.status is not ResultStatus.PROVISIONAL or self.objection_deadline is None:
            return False
        if today <= self.objection_deadline:
            return False
        self._finalise("system:objection-window", at)
        return True

    def _finalise(self, actor: str, at: datetime) -> None:
        self.status = ResultStatus.FINAL
        self.finalised_at = at
        self.finalised_by = actor


def mask_name(name: str | None) -> str | None:
    """Personal names in public views: keep the first character (surname), mask the rest."""
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)
