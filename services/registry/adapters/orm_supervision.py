"""Registry tables for supervision (issue 14): public reports of suspicious certificates."""

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field

from services.registry.adapters.orm import Base
from shared.db import BigId, utc_column


class SuspiciousReportRow(Base, table=True):
    """A member of the public says a certificate they were shown looks forged or misused."""

    __tablename__ = "suspicious_report"
    __table_args__ = (Index("ix_suspicious_report_region_status", "region_code", "status"),)
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    number_as_given: str = Field(max_length=200)
    number: str = Field(max_length=200, index=True)  # canonical form
    found: bool
    body_id: str | None = Field(default=None, max_length=64)
    # Routing: the holder's region when the certificate exists, else where it was presented.
    region_code: str = Field(max_length=6)
    where_seen: str = Field(default="", max_length=500)
    description: str = Field(default="")
    reporter_contact: str | None = Field(default=None, max_length=200)
    client: str = Field(default="", max_length=64)
    status: str = Field(max_length=20)
    outcome: str | None = Field(default=None, max_length=64)
    outcome_note: str = Field(default="")
    closed_by: str | None = Field(default=None, max_length=200)
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
