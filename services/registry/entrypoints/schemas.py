"""Request and response shapes of the registry API (pydantic)."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.registry.domain.model import AccreditationStatus

CertificateNumber = Annotated[
    str, StringConstraints(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9\-/.]*$")
]
RegionCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
Text200 = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BodyIn(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9\-]{2,63}$")] = Field(
        description="approval number issued by the accreditation administration, e.g. CNCA-R-2002-001"
    )
    name: Text200
    uscc: str = Field(max_length=32, description="the body's own Unified Social Credit Code")
    region_code: RegionCode
    approved_schemes: list[str] = Field(min_length=1, max_length=50)


class AccreditationIn(Strict):
    status: AccreditationStatus
    reason_code: str = Field(max_length=64)
    reason: str = Field(default="", max_length=2000)


class CertificateIn(Strict):
    number: CertificateNumber
    scheme: str = Field(max_length=32)
    scope: str = Field(min_length=1, max_length=4000)
    product_name: Text200 | None = None
    product_model: Text200 | None = None
    holder_uscc: str = Field(max_length=32, description="18-character Unified Social Credit Code")
    holder_name: Text200
    issue_date: date
    expiry_date: date
    signer_name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    signer_position: str | None = Field(default=None, max_length=100)
    signer_registration_no: str | None = Field(default=None, max_length=64)


class TransitionIn(Strict):
    reason_code: str = Field(max_length=64)
    reason: str = Field(default="", max_length=2000)


class RenewIn(Strict):
    reason_code: str = Field(default="renewal", max_length=64)
    successor: CertificateIn


class BulkVerifyIn(Strict):
    numbers: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=1000
    )


class SchemeOut(BaseModel):
    code: str
    name: str
    name_zh: str | None
    compulsory: bool


class HolderOut(BaseModel):
    uscc: str
    name: str


class BodySummaryOut(BaseModel):
    id: str
    name: str
    accreditation_status: str
    accreditation_changed_at: datetime | None


class MeasureOut(BaseModel):
    measure: str
    measure_name: str
    legal_basis: str
    listing_id: str
    since: datetime


class PublicCertificateOut(BaseModel):
    number: str
    status: str
    status_reason_code: str | None
    status_changed_at: datetime | None
    scheme: SchemeOut
    scope: str
    product_name: str | None
    product_model: str | None
    holder: HolderOut
    issue_date: date
    expiry_date: date
    signer_name: str
    signer_registration_no: str | None = None
    body: BodySummaryOut
    replaces_number: str | None
    replaced_by_number: str | None
    joint_punishment: list[MeasureOut]


class BulkItemOut(BaseModel):
    number: str
    found: bool
    status: str | None = None
    certificate: PublicCertificateOut | None = None


class BulkVerifyOut(BaseModel):
    items: list[BulkItemOut]


class HistoryItemOut(BaseModel):
    action: str
    from_status: str | None
    to_status: str
    reason_code: str
    reason: str
    actor: str
    occurred_at: datetime


class FullCertificateOut(PublicCertificateOut):
    signer_position: str | None
    signer_registration_no: str | None
    recorded_at: datetime
    history: list[HistoryItemOut]


class CertificatePageOut(BaseModel):
    items: list[PublicCertificateOut]
    next_cursor: str | None


class ChangeOut(BaseModel):
    sequence: int
    entity: str
    key: str
    change: str
    status: str | None
    occurred_at: datetime


class ChangePageOut(BaseModel):
    items: list[ChangeOut]
    next_cursor: str


class BodyOut(BaseModel):
    id: str
    name: str
    uscc: str | None
    region_code: str
    approved_schemes: list[str]
    accreditation_status: str
    accreditation_reason_code: str | None
    accreditation_changed_at: datetime | None
