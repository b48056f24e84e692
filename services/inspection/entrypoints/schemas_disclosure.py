"""Request bodies of the time-locked publicity routes (issue 13)."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from services.inspection.entrypoints.schemas import SnapshotOut


class SamplingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sampled_on: date


class PublicSnapshotOut(SnapshotOut):
    document_public_from: date


class AliasIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: str = Field(max_length=40, description="product_name or model")
    alias: str = Field(min_length=1, max_length=200)
    canonical: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=500)
    enterprise_uscc: str = Field(default="", max_length=18, description="empty: every enterprise")


class ReceiptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    received_on: date
