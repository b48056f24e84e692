"""Response shapes of the inspection API's records: roster history and versions, draw
contributions and the transparency log, checks by other authorities (timestamps as in
``schemas_out``)."""

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from shared.web.responses import Timestamp


# -- roster history and versions -----------------------------------------------------------------
class RosterHistoryEntryOut(BaseModel):
    id: int
    kind: str
    row_id: str
    change: str
    before: dict[str, Any] | None = Field(description="the row before; null when created")
    after: dict[str, Any]
    actor: str
    occurred_at: Timestamp
    roster_version: int | None


class RosterVersionOut(BaseModel):
    version: int
    kind: str
    changed_rows: int
    actor: str
    occurred_at: Timestamp


class RosterVersionsOut(BaseModel):
    current: int
    items: list[RosterVersionOut]
    next_after: int | None = Field(description="pass as after for the next page")


# -- draw contributions and the transparency log -------------------------------------------------
class ContributionCommittedOut(BaseModel):
    id: str
    plan_id: str
    commitment: str


class ContributionRevealedOut(BaseModel):
    id: str
    status: str


class ContributionOut(BaseModel):
    id: str
    role: str
    commitment: str
    value: str | None = Field(description="hex, once revealed")
    committed_at: Timestamp
    revealed_at: Timestamp | None


class LogEntryOut(BaseModel):
    seq: int
    at: str = Field(description="the hashed UTC timestamp, as hashed")
    kind: str
    subject: str
    payload: dict[str, Any]
    payload_hash: str
    prev_hash: str
    entry_hash: str


class LogHeadOut(BaseModel):
    seq: int
    entry_hash: str


class LogPageOut(BaseModel):
    entries: list[LogEntryOut]
    next_after: int | None
    head: LogHeadOut | None


# -- checks by other authorities -----------------------------------------------------------------
class OutsideCheckOut(BaseModel):
    id: str
    check_record_id: int
    dedupe_key: str
    unit_id: str
    enterprise_uscc: str
    product_name: str
    model: str
    authority: str
    authority_level: str
    region_code: str
    plan_reference: str
    check_type: str
    outcome: str
    sampling_date: date
    report_number: str
    source: str
    imported_by: str
    imported_at: Timestamp
