"""Inputs of the inspection use cases (plain data; the API validates shapes first)."""

from dataclasses import dataclass, field
from datetime import date

from services.inspection.domain.model import CheckType, FailedItem, Outcome, Sampling, Scope


@dataclass(frozen=True)
class CreatePlan:
    name: str
    check_type: CheckType
    scope: Scope
    sampling: Sampling
    team_size: int
    cross_region_teams: bool
    inspector_cooldown_days: int
    period_start: date
    period_end: date
    joint_departments: tuple[str, ...] = ()  # a joint plan's other departments


@dataclass(frozen=True)
class RecordResult:
    outcome: Outcome
    sampling_date: date
    failed_items: list[FailedItem] = field(default_factory=list)
