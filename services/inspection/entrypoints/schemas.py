"""Request and response shapes of the inspection API (pydantic)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.inspection.domain.model import (
    CheckType,
    FailedItem,
    Outcome,
    RiskClass,
    Sampling,
    Scope,
    Stratum,
)
from services.inspection.service_layer.commands import CreatePlan, RecordResult

RegionCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
Code64 = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
Text200 = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Text100 = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StratumIn(Strict):
    risk_classes: list[RiskClass] = Field(min_length=1, max_length=4)
    size: int | None = Field(default=None, ge=1, le=10_000_000)
    ratio: Decimal | None = Field(default=None, gt=0, le=1, max_digits=8, decimal_places=6)

    @model_validator(mode="after")
    def _one_of(self) -> "StratumIn":
        if (self.size is None) == (self.ratio is None):
            raise ValueError("give either size or ratio")
        return self


class SamplingIn(Strict):
    weights: dict[RiskClass, int] = Field(
        default_factory=lambda: {RiskClass.A: 1, RiskClass.B: 2, RiskClass.C: 4, RiskClass.D: 8},
        description="integer sampling weight per risk class (1..100)",
    )
    dishonest_multiplier: int = Field(default=2, ge=1, le=10)
    strata: list[StratumIn] = Field(min_length=1, max_length=4)


class ScopeIn(Strict):
    industries: list[Code64] = Field(default_factory=list, max_length=100)
    product_categories: list[Code64] = Field(default_factory=list, max_length=200)
    regions: list[RegionCode] = Field(default_factory=list, max_length=200)
    certified_schemes: list[Code64] = Field(
        default_factory=list,
        max_length=20,
        description="only units with a valid certificate of these schemes (e.g. CCC)",
    )
    uncertified_ccc: bool = Field(
        default=False,
        description="only CCC-catalogue products whose producer holds no valid CCC for them",
    )


class PlanIn(Strict):
    name: Text200
    check_type: CheckType = CheckType.SUPERVISORY_SPOT_CHECK
    scope: ScopeIn = Field(default_factory=ScopeIn)
    sampling: SamplingIn
    team_size: int = Field(default=2, ge=2, le=10)
    cross_region_teams: bool = False
    inspector_cooldown_days: int = Field(default=365, ge=0, le=3650)
    period_start: date
    period_end: date
    joint_departments: list[Text100] = Field(
        default_factory=list,
        max_length=9,
        description="a joint plan: the other departments (same level and region) taking part; "
        "each team has at least one inspector of every department",
    )

    def command(self) -> CreatePlan:
        return CreatePlan(
            name=self.name,
            check_type=self.check_type,
            scope=Scope(
                industries=tuple(self.scope.industries),
                product_categories=tuple(self.scope.product_categories),
                regions=tuple(self.scope.regions),
                certified_schemes=tuple(self.scope.certified_schemes),
                uncertified_ccc=self.scope.uncertified_ccc,
            ),
            sampling=Sampling(
                weights=dict(self.sampling.weights),
                dishonest_multiplier=self.sampling.dishonest_multiplier,
                strata=tuple(
                    Stratum(tuple(s.risk_classes), s.size, s.ratio) for s in self.sampling.strata
                ),
            ),
            team_size=self.team_size,
            cross_region_teams=self.cross_region_teams,
            inspector_cooldown_days=self.inspector_cooldown_days,
            period_start=self.period_start,
            period_end=self.period_end,
            joint_departments=tuple(self.joint_departments),
        )


class DrawIn(Strict):
    redraw_reason: str | None = Field(
        default=None, max_length=2000, description="required when the plan already has a draw"
    )


class FailedItemIn(Strict):
    item: Text200
    requirement: str = Field(default="", max_length=500)
    measured: str = Field(default="", max_length=500)


class ResultIn(Strict):
    outcome: Outcome
    sampling_date: date
    failed_items: list[FailedItemIn] = Field(default_factory=list, max_length=200)

    def command(self) -> RecordResult:
        return RecordResult(
            outcome=self.outcome,
            sampling_date=self.sampling_date,
            failed_items=[FailedItem(**f.model_dump()) for f in self.failed_items],
        )


class RetestIn(Strict):
    outcome: Outcome
    failed_items: list[FailedItemIn] = Field(default_factory=list, max_length=200)


class ReasonIn(Strict):
    reason: str = Field(min_length=1, max_length=2000)


class PolicyIn(Strict):
    effective_from: date
    window_months: int = Field(ge=0, le=36)
    counting_check_types: list[CheckType] = Field(min_length=1)
    counting_outcomes: list[Outcome] = Field(min_length=1)
    dishonest_exemption_lifted: bool = True
    note: str = Field(default="", max_length=2000)


class ImportOut(BaseModel):
    rows: int
    created: int
    updated: int


class CreatedOut(BaseModel):
    id: str


class SnapshotOut(BaseModel):
    id: str
    plan_id: str
    status: str
    algorithm: str
    policy_version: int
    frozen_on: date
    snapshot_hash: str
    seed_commitment: str
    unit_count: int
    excluded_count: int
    created_at: datetime
    draw_id: str | None
    document_url: str
    exclusions_url: str
    roster_version: int | None = None  # the roster version frozen (issue 13, item 4)
