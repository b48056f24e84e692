"""Typed answers of the public APIs, written on the services' OpenAPI documents.

Each model names the OpenAPI component it mirrors (``openapi``: service, schema name); a test
diffs the fields against the live schemas (``app.openapi()``) so the two cannot drift apart.
Unknown fields are kept (``extra="allow"``): a service that adds a field does not break
integrators running an older client.
"""

from datetime import date, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="allow")
    openapi: ClassVar[tuple[str, str] | None] = None


# -- registry ---------------------------------------------------------------------------------
class Scheme(ApiModel):
    openapi = ("registry", "SchemeOut")
    code: str
    name: str
    name_zh: str | None
    compulsory: bool


class Holder(ApiModel):
    openapi = ("registry", "HolderOut")
    uscc: str
    name: str


class BodySummary(ApiModel):
    openapi = ("registry", "BodySummaryOut")
    id: str
    name: str
    accreditation_status: str
    accreditation_changed_at: datetime | None


class CertificateMeasure(ApiModel):
    openapi = ("registry", "MeasureOut")
    measure: str
    measure_name: str
    legal_basis: str
    listing_id: str
    since: datetime


class Certificate(ApiModel):
    """The public view of a certificate (``GET /public/certificates/{number}``)."""

    openapi = ("registry", "PublicCertificateOut")
    number: str
    status: str
    status_reason_code: str | None
    status_changed_at: datetime | None
    scheme: Scheme
    scope: str
    product_name: str | None
    product_model: str | None
    holder: Holder
    issue_date: date
    expiry_date: date
    signer_name: str
    signer_registration_no: str | None = None
    body: BodySummary
    replaces_number: str | None
    replaced_by_number: str | None
    joint_punishment: list[CertificateMeasure]


class VerifyItem(ApiModel):
    openapi = ("registry", "BulkItemOut")
    number: str
    found: bool
    status: str | None = None
    certificate: Certificate | None = None


class VerifyResult(ApiModel):
    openapi = ("registry", "BulkVerifyOut")
    items: list[VerifyItem]


class CertificatePage(ApiModel):
    openapi = ("registry", "CertificatePageOut")
    items: list[Certificate]
    next_cursor: str | None


class Change(ApiModel):
    """One entry of the registry's change feed (``GET /public/changes``)."""

    openapi = ("registry", "ChangeOut")
    sequence: int
    entity: str
    key: str
    change: str
    status: str | None
    occurred_at: datetime


class ChangePage(ApiModel):
    openapi = ("registry", "ChangePageOut")
    items: list[Change]
    next_cursor: str


class Body(ApiModel):
    openapi = ("registry", "BodyOut")
    id: str
    name: str
    uscc: str | None
    region_code: str
    approved_schemes: list[str]
    accreditation_status: str
    accreditation_reason_code: str | None
    accreditation_changed_at: datetime | None


# -- credit -----------------------------------------------------------------------------------
class Grade(ApiModel):
    openapi = ("credit", "GradeOut")
    grade: Literal["A", "B", "C", "D"]
    label: str
    rule_version: str
    score: int
    assessed_at: datetime | None


class Measure(ApiModel):
    openapi = ("credit", "MeasureOut")
    code: str
    name: str
    name_zh: str | None
    legal_basis: str | None
    enforcing_service: str | None


class ActiveMeasure(Measure):
    openapi = ("credit", "ActiveMeasureOut")
    listing_id: str
    since: date
    until: date | None


class Listing(ApiModel):
    openapi = ("credit", "PublicListingOut")
    id: str
    uscc: str
    enterprise_name: str | None
    reason: str
    legal_basis: str
    term_start: date | None
    term_end: date | None
    indefinite: bool
    measures: list[Measure]


class ListingStatus(ApiModel):
    openapi = ("credit", "ListingStatusOut")
    listed: bool
    listings: list[Listing]


class Profile(ApiModel):
    """An enterprise's public credit profile (``GET /public/enterprises/{uscc}``)."""

    openapi = ("credit", "ProfileOut")
    uscc: str
    name: str
    category: str
    region_code: str
    operator_name: str | None
    risk_grade: Grade
    dishonesty_list: ListingStatus
    active_measures: list[ActiveMeasure]
    records_in_disclosure: int


class Person(ApiModel):
    openapi = ("credit", "PersonOut")
    role: str
    name: str


class Record(ApiModel):
    openapi = ("credit", "PublicRecordOut")
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
    persons: list[Person]
    under_dispute: bool = False  # the enterprise disputes the published record (pending)
    # "official", or "provisional" until the working-day table of its years is loaded
    publication_until_provenance: str | None = None
    publication_calendar_version: str | None = None


class Disclosure(ApiModel):
    """One entry of the disclosure feed: publish (with the record or listing) or withdraw."""

    openapi = ("credit", "FeedItemOut")
    sequence: int
    action: Literal["publish", "withdraw"]
    entity: Literal["record", "listing"]
    id: str
    uscc: str
    occurred_at: datetime
    reason: str | None = None
    record: Record | None = None
    listing: Listing | None = None


class DisclosurePage(ApiModel):
    openapi = ("credit", "FeedPageOut")
    items: list[Disclosure]
    next_cursor: str
    has_more: bool


class RecordPage(ApiModel):
    openapi = ("credit", "RecordPageOut")
    items: list[Record]
    next_cursor: str | None


class ListingPage(ApiModel):
    openapi = ("credit", "ListingPageOut")
    items: list[Listing]
    next_cursor: str | None


# -- inspection -------------------------------------------------------------------------------
class Snapshot(ApiModel):
    openapi = ("inspection", "SnapshotOut")
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
    roster_version: int | None = None  # the roster version frozen (absent on older servers)


class Draw(ApiModel):
    """A draw (``GET /public/draws/{id}``; the service documents no schema for it)."""

    id: str
    plan_id: str
    snapshot_id: str
    status: str
    algorithm: str
    seed: str | None
    seed_commitment: str
    snapshot_hash: str
    result_digest: str | None
    selected_count: int | None = None
    superseded_by: Any = None
    verification_url: str
    snapshot_url: str


ALL_MODELS: tuple[type[ApiModel], ...] = tuple(
    m for m in list(globals().values()) if isinstance(m, type) and issubclass(m, ApiModel)
)
