"""Request and response shapes of the credit API (pydantic)."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.web.pagination import CursorPage

Text200 = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Uscc = Annotated[str, Field(max_length=32, description="18-character Unified Social Credit Code")]
LongText = Annotated[str, StringConstraints(max_length=4000)]
Evidence = list[Annotated[str, StringConstraints(min_length=1, max_length=500)]]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnterpriseIn(Strict):
    uscc: Uscc
    name: Text200
    category: str = Field(default="enterprise", max_length=30)
    region_code: Annotated[str, StringConstraints(pattern=r"^\d{6}$")] | None = Field(
        default=None, description="GB/T 2260 code; defaults to characters 3-8 of the USCC"
    )
    operator_name: str | None = Field(
        default=None, max_length=100, description="natural person operating an individual business"
    )
    operator_id_number: str | None = Field(default=None, max_length=32)


class PersonIn(Strict):
    role: Annotated[str, StringConstraints(min_length=1, max_length=60)] = Field(
        description="e.g. legal representative, person directly responsible"
    )
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    id_number: str | None = Field(default=None, max_length=32, description="never disclosed")


class RecordIn(Strict):
    uscc: Uscc
    record_class: str = Field(max_length=40, description="see GET /catalogue/record-classes")
    severity: str | None = Field(default=None, max_length=20)
    sector: str = Field(default="general", max_length=40)
    title: str = Field(max_length=200)
    facts: LongText = ""
    legal_basis: str = Field(default="", max_length=2000)
    decision_number: str = Field(max_length=100)
    decision_date: date
    persons: list[PersonIn] = Field(default_factory=list, max_length=20)


class ListingIn(Strict):
    uscc: Uscc
    reason: LongText = ""
    legal_basis: str = Field(
        default="", max_length=2000, description="required: no basis, no listing"
    )
    basis_record_ids: list[str] = Field(default_factory=list, max_length=50)
    measures: list[str] = Field(default_factory=list, max_length=20)
    term_years: int | None = Field(
        default=None, ge=1, le=10, description="default and bounds: GET /catalogue/rules"
    )
    indefinite: bool = Field(default=False, description="refused: the rules set a term")


class ObjectionIn(Strict):
    statement: LongText
    evidence: Evidence = Field(default_factory=list, max_length=20)
    hearing_requested: bool = Field(
        default=False, description="ask for a hearing (where the rule gives one)"
    )


class ObjectionDecisionIn(Strict):
    upheld: bool
    reason: LongText


class RemovalIn(Strict):
    reason: Literal["basis_revoked"] = Field(
        description="term ends, repairs and upheld objections remove listings by themselves"
    )
    note: str = Field(default="", max_length=2000)


class RepairIn(Strict):
    record_id: str = Field(max_length=24)
    commitment: LongText
    evidence: Evidence = Field(default_factory=list, max_length=20)


class RepairDecisionIn(Strict):
    approved: bool
    reason: LongText


# -- responses --------------------------------------------------------------------------------
class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class GradeOut(BaseModel):
    grade: Literal["A", "B", "C", "D"]
    label: str
    rule_version: str
    score: int
    assessed_at: datetime | None


class MeasureOut(BaseModel):
    code: str
    name: str
    name_zh: str | None
    legal_basis: str | None
    enforcing_service: str | None


class ActiveMeasureOut(MeasureOut):
    listing_id: str
    since: date
    until: date | None


class PublicListingOut(BaseModel):
    id: str
    uscc: str
    enterprise_name: str | None
    reason: str
    legal_basis: str
    term_start: date | None
    term_end: date | None
    indefinite: bool
    measures: list[MeasureOut]


class ListingStatusOut(BaseModel):
    listed: bool
    listings: list[PublicListingOut]


class ProfileOut(BaseModel):
    uscc: str
    name: str
    category: str
    region_code: str
    operator_name: str | None = Field(description="masked: surname only")
    risk_grade: GradeOut
    dishonesty_list: ListingStatusOut
    active_measures: list[ActiveMeasureOut]
    records_in_disclosure: int


class PersonOut(BaseModel):
    role: str
    name: str


class PublicRecordOut(BaseModel):
    id: str
    uscc: str
    enterprise_name: str | None
    record_class: str
    class_name: str
    class_name_zh: str | None
    kind: str | None
    severity: str
    sector: str
    title: str
    facts: str
    legal_basis: str
    decision_number: str
    decision_date: date
    source_department: str
    publication_until: date
    persons: list[PersonOut]
    under_dispute: bool = Field(default=False, description="a dispute is pending")
    publication_until_provenance: str | None = Field(
        default=None,
        description="official, or provisional until the working-day table of its years is loaded",
    )
    publication_calendar_version: str | None = None


class FullRecordOut(PublicRecordOut):
    persons: list[dict[str, Any]]  # type: ignore[assignment]
    source_service: str
    source_event_id: str | None
    disclosed: bool
    disclosure_ended_on: date | None
    disclosure_end_reason: str | None
    repairable: bool
    earliest_repair_application: date | None
    recorded_by: str
    recorded_at: datetime
    rule_version: str | None = Field(description="rule set the record was made under")
    review_flag: str | None = Field(description="made under superseded behaviour: review")


class FullListingOut(PublicListingOut):
    status: str
    basis_record_ids: list[str]
    term_years: int | None
    proposed_on: date
    proposed_by: str
    objection_deadline: date
    # "official", or "provisional" until the State Council's table for its year is loaded
    objection_deadline_provenance: str | None = None
    objection_calendar_version: str | None = None
    objection: dict[str, Any] | None
    listed_by: str | None
    removed_on: date | None
    removal_reason: str | None
    removed_by: str | None
    rule_version: str | None = Field(description="rule set applied (GET /catalogue/rules)")
    proposer_level: str | None
    proposer_region: str | None
    proposer_department: str | None = None
    hearing: dict[str, Any] | None = Field(
        default=None, description="hearing requested, notice (date, place), held, minutes"
    )
    early_removal: dict[str, Any] | None = Field(
        description="application, conditions checked, deadline, decision"
    )
    review_flag: str | None


class RepairOut(BaseModel):
    id: str
    uscc: str
    record_id: str
    commitment: str
    evidence: list[str]
    status: str
    applied_on: date
    applied_by: str
    decided_on: date | None
    decided_by: str | None
    decision_reason: str | None
    rule_version: str | None
    decision_due: date | None


class FeedItemOut(BaseModel):
    sequence: int
    action: Literal["publish", "withdraw"]
    entity: Literal["record", "listing"]
    id: str
    uscc: str
    occurred_at: datetime
    reason: str | None = Field(default=None, description="withdrawals: why it left disclosure")
    record: PublicRecordOut | None = None
    listing: PublicListingOut | None = None


class FeedPageOut(CursorPage[FeedItemOut]):
    next_cursor: str = Field(
        description="Pass as `cursor` for the next page; the same cursor while nothing is new."
    )
    has_more: bool


# Listing pages keep their own schema names (clients mirror them): ``CursorPage`` of an item.
class RecordPageOut(CursorPage[PublicRecordOut]):
    pass


class ListingPageOut(CursorPage[PublicListingOut]):
    pass


class FullListingPageOut(CursorPage[FullListingOut]):
    pass


class RepairPageOut(CursorPage[RepairOut]):
    pass


class EnterpriseOut(BaseModel):
    uscc: str
    name: str
    category: str
    region_code: str


class NoticeOut(BaseModel):
    id: int
    kind: str
    subject_id: str
    message: str
    legal_basis: str | None
    created_at: datetime


class CreditFileOut(Open):
    """The enterprise's own full file (and regulators'): records, listings, repairs, history;
    everyone else gets the public profile with the records in disclosure."""

    uscc: str
    name: str
    risk_grade: GradeOut


class EarlyRemovalIn(Strict):
    statement: LongText
    evidence: Evidence = Field(default_factory=list, max_length=20)


class EarlyRemovalDecisionIn(Strict):
    granted: bool
    reason: LongText
    confirmed_conditions: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="conditions the regulator confirms on the evidence (codes)",
    )


# -- catalogues -------------------------------------------------------------------------------
class PeriodOut(BaseModel):
    length: int
    unit: str = Field(description="days, workdays, months or years")
    counting: str


class RecordClassOut(BaseModel):
    code: str
    kind: str
    name: str
    name_zh: str | None
    publication_period: PeriodOut = Field(description="runs from the decision date")
    severities: list[str]
    repairable: bool


class ThresholdOut(BaseModel):
    grade: str
    min_score: int


class RiskRuleTableOut(BaseModel):
    version: str
    summary: str
    points: dict[str, int] = Field(description="points per record in force, by severity")
    listed_grade: str
    thresholds: list[ThresholdOut]
    default: str


class RiskRulesOut(BaseModel):
    current: str = Field(description="the rule table new grades use")
    grades: dict[str, str] = Field(description="label of each grade")
    tables: list[RiskRuleTableOut]


class RuleSetOut(Open):
    """One legal rule set: every row with its source and whether it awaits legal review."""

    version: str
    effective_from: date
    title: str
    listing_grounds: list[dict[str, Any]]
    term: dict[str, Any]
    early_removal: dict[str, Any]
    repair: dict[str, Any]
    publication: list[dict[str, Any]]
    due_process_source: str
    hearing: dict[str, Any]
    disputes: dict[str, Any]
    record_proposals: dict[str, Any]
    product_category_sectors: dict[str, Any]


class RuleSetsOut(BaseModel):
    in_force: str = Field(description="the version new decisions apply")
    versions: list[RuleSetOut]


# -- record proposals, disputes, transfers ----------------------------------------------------
class ProposalOut(BaseModel):
    id: str
    source_event_id: str
    source_service: str
    uscc: str
    region_code: str
    record_class: str
    command: dict[str, Any] = Field(description="the record as the source service proposed it")
    received_on: date
    due_on: date
    rule_version: str
    status: str
    decided_on: date | None
    decided_by: str | None
    decision_reason: str | None
    record_id: str | None = Field(description="the record made on confirmation")
    overdue: bool = Field(description="pending past its review deadline")


class ProposalListOut(BaseModel):
    items: list[ProposalOut]


class DisputeOut(BaseModel):
    id: str
    record_id: str
    uscc: str
    statement: str
    evidence: list[str]
    filed_on: date
    filed_by: str
    due_on: date
    rule_version: str
    status: str
    decided_on: date | None
    decided_by: str | None
    decision_reason: str | None
    corrections: dict[str, Any]
    on_behalf_of: dict[str, Any] | None = Field(
        description="filed for a natural person the record names: role, masked name, reference"
    )


class TransferOut(BaseModel):
    id: int
    uscc: str
    from_region: str
    to_region: str
    reason: str
    status: str = Field(description="pending, approved or rejected")
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
