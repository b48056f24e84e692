"""Response shapes of the inspection API: what each route answers, for clients and the OpenAPI
document.

Timestamps are written as ``datetime.isoformat()`` (``+00:00``), as these routes answered
before they had models; models never add a key a route did not send (routes whose answers
omit keys use ``response_model_exclude_unset``).
"""

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.web.pagination import CursorPage
from shared.web.responses import Timestamp


class Open(BaseModel):
    """A shape produced by code another change may extend: keys not declared here pass through."""

    model_config = ConfigDict(extra="allow")


# -- policies ------------------------------------------------------------------------------------
class PolicyVersionOut(BaseModel):
    version: int
    effective_from: date
    document: dict[str, Any]


class PolicyCreatedOut(BaseModel):
    version: int


class HierarchyPolicyOut(BaseModel):
    version: str
    source: str
    lower_claim_blocks_higher: bool
    claims_expire_at_period_end: bool
    needs_legal_review: bool


# -- rosters -------------------------------------------------------------------------------------
class AliasOut(BaseModel):
    field: str
    enterprise_uscc: str | None
    alias: str
    canonical: str


# -- plans ---------------------------------------------------------------------------------------
class AuthorityOut(BaseModel):
    level: str
    department: str
    region_code: str


class PlanOut(BaseModel):
    id: str
    name: str
    authority: AuthorityOut
    check_type: str
    scope: dict[str, Any]
    sampling: dict[str, Any]
    team_size: int
    cross_region_teams: bool
    inspector_cooldown_days: int
    period_start: date
    period_end: date
    publication_deadline: date | None
    publication_deadline_problem: str | None
    publication_deadline_provenance: str | None
    publication_deadline_calendar_version: str | None
    created_at: Timestamp
    joint_departments: list[str]


class PlanSnapshotOut(BaseModel):
    id: str
    status: str
    snapshot_hash: str
    seed_commitment: str
    unit_count: int
    excluded_count: int
    frozen_on: date
    created_at: Timestamp


class PlanDrawOut(BaseModel):
    id: str
    snapshot_id: str
    status: str
    selected_count: int
    supersedes_draw_id: str | None
    redraw_reason: str | None
    drawn_at: Timestamp


class DeadlineChangeOut(BaseModel):
    task_id: str | None
    deadline_kind: str
    previous_deadline: date | None
    new_deadline: date
    previous_provenance: str | None
    new_provenance: str
    calendar_version: str
    changed_at: Timestamp


class PlanDetailOut(PlanOut):
    snapshots: list[PlanSnapshotOut]
    draws: list[PlanDrawOut]
    tasks_by_status: dict[str, int]
    deadline_changes: list[DeadlineChangeOut]


class PublishedOut(BaseModel):
    published: int


# -- draws ---------------------------------------------------------------------------------------
class DrawOut(BaseModel):
    """A draw as its authority sees it right after drawing."""

    id: str
    plan_id: str
    snapshot_id: str
    status: str
    algorithm: str
    seed: str
    seed_commitment: str
    snapshot_hash: str
    result_digest: str
    selected_count: int
    strata: list[dict[str, Any]]
    late_exclusions: list[dict[str, Any]]
    supersedes_draw_id: str | None
    superseded_by: str | None
    redraw_reason: str | None
    drawn_at: Timestamp
    verification_url: str
    snapshot_url: str


class DisclosureOut(BaseModel):
    state: str  # sealed | partial | complete
    revealed_count: int
    public_from: date


class PublicDrawOut(Open):
    """A draw as anyone sees it: the digest only once the whole selection is public, late
    exclusions caused by tasks not yet public withheld, the revealed contributions if any."""

    id: str
    plan_id: str
    snapshot_id: str
    status: str
    algorithm: str
    seed: str
    seed_commitment: str
    snapshot_hash: str
    result_digest: str | None = None  # absent until the disclosure is complete
    selected_count: int
    strata: list[dict[str, Any]]
    late_exclusions: list[dict[str, Any]]
    late_exclusions_withheld: int
    supersedes_draw_id: str | None
    superseded_by: str | None
    redraw_reason: str | None
    drawn_at: Timestamp
    verification_url: str
    snapshot_url: str
    selection_commitment: str | None
    selection_scheme: str | None
    contributions: list[dict[str, Any]] | None = None  # with contributions only
    contributions_required: int | None = None
    draw_seed: str | None = None
    disclosure: DisclosureOut


class ClaimEventOut(BaseModel):
    kind: str
    plan_id: str
    authority_level: str
    task_id: str | None  # named once the task is public
    unit_id: str | None
    task_cancelled: bool
    reason: str
    by_plan_id: str | None
    at: Timestamp


class ExclusionCauseOut(BaseModel):
    task_id: str | None
    plan_id: str | None
    authority_level: str | None
    region_code: str | None
    date: date | None


class ExclusionOut(BaseModel):
    unit_id: str
    rule: str
    cause: ExclusionCauseOut


class ExclusionsPage(CursorPage[ExclusionOut]):
    withheld_count: int  # caused by another plan's task that is not public yet


# -- tasks and results ---------------------------------------------------------------------------
class TaskPlanOut(BaseModel):
    id: str
    name: str
    authority_level: str
    department: str
    region_code: str
    period_end: date
    publication_deadline: date | None
    publication_deadline_provenance: str | None


class EnterpriseOut(BaseModel):
    uscc: str
    name: str | None


class TeamMemberOut(BaseModel):
    inspector_id: str
    name: str | None  # masked outside the regulator's view


class LabOut(BaseModel):
    id: str
    name: str | None


class ResultOut(BaseModel):
    outcome: str
    failed_items: list[dict[str, Any]]
    sampling_date: date
    status: str
    objection_deadline: date | None
    objection_deadline_provenance: str | None
    retested: bool
    finalised_at: Timestamp | None
    # the regulator's view only
    recorded_by: str | None = None
    recorded_at: Timestamp | None = None
    objected_at: Timestamp | None = None
    objection_reason: str | None = None


class TaskOut(BaseModel):
    id: str
    plan: TaskPlanOut
    draw_id: str
    unit_id: str
    enterprise: EnterpriseOut
    product_name: str | None
    model: str | None
    product_category: str
    region_code: str
    stratum: int
    rank: int
    status: str
    assigned_at: Timestamp
    cancel_reason: str | None = None  # not in the published results
    published_at: Timestamp | None
    team: list[TeamMemberOut]
    lab: LabOut
    result: ResultOut | None


TaskPage = CursorPage[TaskOut]
PlanPage = CursorPage[PlanOut]
ClaimEventPage = CursorPage[ClaimEventOut]


class ReceiptOut(Open):
    task_id: str
    received_on: date
    retest_deadline: date
    deadline_provenance: str
    source: str


class RetestLabOut(Open):
    task_id: str
    lab_id: str
    first_lab_id: str
    candidates: list[str]
    algorithm: str
    draw_id: str
    seed: str
    drawn_at: Timestamp
    source: str


# -- overdue publications ------------------------------------------------------------------------
class OverduePlanOut(BaseModel):
    plan_id: str
    plan_name: str
    authority: AuthorityOut
    period_end: date
    publication_deadline: date | None
    deadline_status: str  # overdue | unknown
    deadline_problem: str | None
    days_overdue: int | None
    unpublished_tasks: int


class OverduePlansOut(BaseModel):
    today: date
    items: list[OverduePlanOut]


class OverdueResultOut(BaseModel):
    task_id: str
    plan_id: str
    authority_level: str
    region_code: str
    final_on: date
    deadline: date
    provenance: str
    days_overdue: int


class OverdueResultsOut(BaseModel):
    today: date
    items: list[OverdueResultOut]


# -- public matters, plans and statistics --------------------------------------------------------
class PublicPlanOut(BaseModel):
    id: str
    name: str
    authority: AuthorityOut
    joint_departments: list[str]
    check_type: str
    matter: str | None
    scope: dict[str, Any]
    strata: list[dict[str, Any]]
    planned_count: int | None = Field(description="null when a stratum is sized by ratio")
    drawn_count: int | None
    team_size: int
    period_start: date
    period_end: date
    publication_deadline: date | None


class MatterAuthorityOut(BaseModel):
    authority: AuthorityOut
    joint_departments: list[str]
    plans: int
    product_categories: list[str] = Field(description='"*": every category')
    planned_count: int
    plans_by_ratio: int
    drawn_count: int


class MatterOut(BaseModel):
    check_type: str
    name: str
    subject: str
    legal_basis: str
    counts_for_six_month_rule: bool
    needs_legal_review: bool
    version: str
    year: int | None
    authorities: list[MatterAuthorityOut]


class MattersOut(BaseModel):
    items: list[MatterOut]


class PassRateGroupOut(BaseModel):
    """One period and combination of the chosen dimensions; a dimension not chosen is absent.
    Counts of any other outcome pass through."""

    model_config = ConfigDict(extra="allow")
    period: str
    level: str | None = None
    region: str | None = None
    product_category: str | None = None
    check_type: str | None = None
    pass_: int = Field(alias="pass")
    fail: int
    refused: int
    not_found: int
    checked: int
    pass_rate: str | None = Field(description="four decimals; null when none passed or failed")


class PassRatesOut(BaseModel):
    period: str
    group_by: list[str]
    region_digits: int
    basis: str
    groups: list[PassRateGroupOut]


# -- documents served as bytes -------------------------------------------------------------------
# These two routes send bytes they build themselves (the snapshot document must hash to the
# published snapshot hash, so nothing may re-serialise it). The models below are used for the
# OpenAPI document only (``responses={200: {"model": ...}}``), never to validate or encode the
# answer; keys a format version adds pass through (``extra="allow"``).
class SnapshotDocumentOut(Open):
    """The snapshot document (``inspection-snapshot/1``) in its canonical serialisation: UTF-8
    JSON, keys sorted, no whitespace (``domain.draw_core.canonical_bytes``); its SHA-256 is the
    published snapshot hash. Save the bytes as served."""

    format: str
    algorithm: str
    snapshot_id: str
    plan: dict[str, Any]
    policy: dict[str, Any]
    frozen_on: str = Field(description="ISO date, China time")
    seed_commitment: str
    excluded_count: int
    inspectors: dict[str, list[Any]] = Field(description="the inspector pool, one list per column")
    labs: dict[str, list[Any]] = Field(description="the lab pool, one list per column")
    roster_version: int | None = None
    units: dict[str, list[Any]] = Field(description="the eligible units, one list per column")


class DrawSelectionEntryOut(Open):
    unit_id: str
    stratum: str
    rank: int
    inspectors: list[str]
    lab: str | None


class DrawRecordOut(Open):
    """The draw record for the offline verifier (``python -m services.inspection.verify``).
    ``disclosure`` is ``partial`` (salted leaves, the entries whose sampling is recorded, each
    with ``index`` and ``salt``) until the day after the sampling period, then ``complete``
    (the whole selection, ``selection_key``, ``result_digest``, ``snapshot_url``)."""

    format: str
    disclosure: str = Field(description="partial | complete")
    algorithm: str
    draw_id: str
    plan_id: str
    snapshot_id: str
    seed: str
    seed_commitment: str
    snapshot_hash: str
    selection: list[DrawSelectionEntryOut]
    selection_commitment: str | None = None
    selection_scheme: str | None = None
    selection_key: str | None = None
    leaves: list[str] | None = None
    late_exclusions: list[dict[str, Any]] | None = None
    recusals: list[dict[str, Any]] | None = None
    result_digest: str | None = None
    snapshot_url: str | None = None
    selected_count: int | None = None
    public_from: date | None = None
    contributions: list[dict[str, Any]] | None = None
    contributions_required: int | None = None
    draw_seed: str | None = None
