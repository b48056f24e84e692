"""Tables of "one unit, one key" (issue 13): normalised keys, the alias table and the record
of units merged when the key was introduced."""

from datetime import datetime

from sqlmodel import Field

from services.inspection.adapters.orm import Base
from shared.db import utc_column


class UnitKeyRow(Base, table=True):
    """The unit a normalised key (``domain.unit_key``) belongs to."""

    __tablename__ = "unit_key"
    key: str = Field(primary_key=True, max_length=64)
    unit_id: str = Field(max_length=24, unique=True)
    version: str = Field(max_length=20)


class UnitAliasRow(Base, table=True):
    """A regulator's ruling that a product name or model is another's alias (normalised)."""

    __tablename__ = "unit_alias"
    field: str = Field(primary_key=True, max_length=20)  # product_name | model
    enterprise_uscc: str = Field(primary_key=True, max_length=18)  # "" = every enterprise
    alias: str = Field(primary_key=True, max_length=200)
    canonical: str = Field(max_length=200)
    reason: str = Field(max_length=500)
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


class UnitMergeRow(Base, table=True):
    """A unit merged into another because both had the same key (their check history and
    running claims now count for the survivor)."""

    __tablename__ = "unit_merge"
    merged_id: str = Field(primary_key=True, max_length=24)
    unit_id: str = Field(max_length=24, index=True)
    reason: str = Field(max_length=200)
    merged_at: datetime = Field(sa_column=utc_column(nullable=False))
