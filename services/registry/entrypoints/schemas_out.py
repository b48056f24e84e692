"""Response shapes of the registry routes that answered bare dicts (issue 11 item 6).

Each model has exactly the keys its route sent before; timestamps keep the ``isoformat()`` form
(``shared.web.responses.Timestamp``). Routes whose answers omit keys depending on who asks use
``response_model_exclude_unset``.
"""

from datetime import date

from pydantic import BaseModel, Field

from shared.web.cross_region import CrossRegionReadOut
from shared.web.responses import Timestamp


# -- public statistics and catalogues ----------------------------------------------------------
class RegionCountsOut(BaseModel):
    valid_certificates: int
    certified_enterprises: int


class StatisticsOut(BaseModel):
    certificates_by_status: dict[str, int]
    certificates_by_scheme_and_status: dict[str, dict[str, int]] = Field(
        description="scheme -> status -> count"
    )
    valid_by_region: dict[str, RegionCountsOut] = Field(description="holder's region code")
    certified_enterprises: int


class CatalogueSchemeOut(BaseModel):
    code: str
    name: str
    name_zh: str
    kind: str
    compulsory: bool
    max_validity_years: int


class ReasonCodesOut(BaseModel):
    certificate: dict[str, dict[str, str]] = Field(description="action -> reason code -> text")
    accreditation: dict[str, str] = Field(description="reason code -> text")


# -- lifecycle -----------------------------------------------------------------------------------
class CertificateReadOut(CrossRegionReadOut):
    certificate_number: str


class TransferOut(BaseModel):
    from_number: str
    from_body_id: str
    to_number: str
    to_body_id: str
    transferred_at: Timestamp


class TransferPageOut(BaseModel):
    items: list[TransferOut]
    next_after_id: int | None = Field(description="pass as after_id for the next page")


class SuspensionRuleOut(BaseModel):
    max_days: int
    then: str
    then_reason_code: str
    source: str
    needs_legal_review: bool


class SuspensionOverrideOut(SuspensionRuleOut):
    scheme: str
    reason_code: str


class LifecycleRulesOut(BaseModel):
    version: str
    suspension: dict[str, SuspensionRuleOut] = Field(description="by scheme")
    suspension_by_reason: list[SuspensionOverrideOut]
    default_suspension: SuspensionRuleOut
    withdrawn_body_transfer_days: int
    withdrawn_body_source: str


class MonthlyCellOut(BaseModel):
    month: str
    scheme: str
    region_code: str
    counts: dict[str, int] = Field(description="change name (as in /public/changes) -> count")


class MonthlyStatisticsOut(BaseModel):
    from_: str = Field(alias="from")
    to: str
    region_level: str
    items: list[MonthlyCellOut]


# -- supervision ---------------------------------------------------------------------------------
class ReportOut(BaseModel):
    id: int
    number: str
    number_as_given: str
    found: bool
    body_id: str | None
    region_code: str
    where_seen: str
    description: str
    reporter_contact: str | None
    status: str
    outcome: str | None
    outcome_note: str
    closed_by: str | None
    closed_at: Timestamp | None
    created_at: Timestamp


class ClientCountOut(BaseModel):
    client: str
    count: int


class PatternCountOut(BaseModel):
    pattern: str
    count: int


class ForgerySignalsOut(BaseModel):
    window_seconds: float
    not_found_in_window: int
    by_client: list[ClientCountOut]
    by_pattern: list[PatternCountOut]


# -- personnel -----------------------------------------------------------------------------------
class FindingOut(BaseModel):
    id: int
    finding_code: str
    description: str
    decision_number: str
    status: str
    objection_deadline: date
    objection: str | None
    created_at: Timestamp
    decided_at: Timestamp | None


class PersonOut(BaseModel):
    """The full record; the public listing has only ``name`` and ``registration_no`` (the route
    leaves the other keys out)."""

    registration_no: str
    body_id: str = ""
    name: str
    roles: list[str] = []
    qualifications: list[str] = []
    status: str = ""
    banned_until: date | None = Field(default=None, description="null with banned: lifetime")
    ban_finding_id: int | None = None
    created_at: Timestamp | None = None
    findings: list[FindingOut] = []


class FindingProposedOut(BaseModel):
    id: int
    status: str
    objection_deadline: date


class ObjectionOut(BaseModel):
    id: int
    status: str
    objection: str | None


class FindingDecidedOut(BaseModel):
    id: int
    status: str


class BanOut(BaseModel):
    person: PersonOut
    flagged_certificates: int


class ReviewFlagOut(BaseModel):
    number: str
    body_id: str
    reason: str
    created_at: Timestamp
    registration_no: str
    name: str


# -- testing labs --------------------------------------------------------------------------------
class LabOut(BaseModel):
    id: str
    name: str
    uscc: str
    region_code: str
    accredited_categories: list[str]
    valid_until: date
    status: str
    status_reason_code: str
    status_changed_at: Timestamp
    eligible: bool
