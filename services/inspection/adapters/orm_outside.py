"""Tables of issue 13, items 4 and 5: checks imported from other authorities (with their
provenance) and the roster versions (one per change of the rosters)."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field

from services.inspection.adapters.orm import Base
from shared.db import utc_column


class OutsideCheckRow(Base, table=True):
    """A check another authority made, imported with its provenance. Its ``check_record`` row
    (``check_record_id``, whose ``plan_id`` is this row's id) is what the six-month rule
    counts, exactly like a check of this service's own."""

    __tablename__ = "outside_check"
    __table_args__ = (Index("ix_outside_check_unit_date", "unit_id", "sampling_date"),)
    id: str = Field(primary_key=True, max_length=36)  # "ext-" and 32 hex digits
    check_record_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    dedupe_key: str = Field(max_length=64, unique=True)
    unit_id: str = Field(max_length=24)
    enterprise_uscc: str = Field(max_length=18, index=True)
    product_name: str = Field(max_length=200)
    model: str = Field(max_length=200)
    authority: str = Field(max_length=200)
    authority_level: str = Field(max_length=20)
    region_code: str = Field(max_length=6)
    plan_reference: str = Field(max_length=200)
    check_type: str = Field(max_length=40)
    outcome: str = Field(max_length=20)
    sampling_date: date
    report_number: str = Field(default="", max_length=100)
    source: str = Field(max_length=10)  # csv | api
    imported_by: str = Field(max_length=200)
    imported_at: datetime = Field(sa_column=utc_column(nullable=False))


class RosterVersionRow(Base, table=True):
    """The rosters (units, inspectors, labs) as one versioned whole: every import that changes
    a row adds a version; its ``roster_history`` rows carry the number. A snapshot pins the
    version it was frozen from."""

    __tablename__ = "roster_version"
    version: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    kind: str = Field(max_length=20)  # unit | inspector | lab
    changed_rows: int
    actor: str = Field(max_length=200)
    occurred_at: datetime = Field(sa_column=utc_column(nullable=False))
