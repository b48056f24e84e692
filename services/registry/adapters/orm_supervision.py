"""Registry tables for supervision (issue 14): public reports of suspicious certificates,
certification personnel, their misconduct findings, and certificates flagged for review."""

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index
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


class PersonRow(Base, table=True):
    """A registered certification person (auditor, signer) of one body."""

    __tablename__ = "certification_person"
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    registration_no: str = Field(max_length=64, unique=True)
    body_id: str = Field(foreign_key="certification_body.id", index=True, max_length=64)
    name: str = Field(max_length=100)
    roles: list[str] = Field(sa_column=Column(JSON, nullable=False))
    qualifications: list[str] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(max_length=20)
    banned_until: date | None = None  # None with status banned: lifetime
    ban_finding_id: int | None = None
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


class FindingRow(Base, table=True):
    """A misconduct finding against a person: the personal integrity record."""

    __tablename__ = "person_finding"
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    person_id: int = Field(foreign_key="certification_person.id", index=True)
    finding_code: str = Field(max_length=64)
    description: str = Field(default="")
    decision_number: str = Field(max_length=100)
    status: str = Field(max_length=20)
    objection_deadline: date
    objection: str | None = None
    proposed_by: str = Field(max_length=200)
    decided_by: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    decided_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class ReviewFlagRow(Base, table=True):
    """A certificate signed by a person later banned: to be reviewed by its body."""

    __tablename__ = "certificate_review_flag"
    __table_args__ = (Index("uq_review_flag_number_person", "number", "person_id", unique=True),)
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    number: str = Field(max_length=64)
    body_id: str = Field(max_length=64, index=True)
    person_id: int = Field(foreign_key="certification_person.id")
    reason: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


class LabRow(Base, table=True):
    """A testing lab with its USCC, accreditation scope and validity."""

    __tablename__ = "testing_lab"
    id: str = Field(primary_key=True, max_length=64)  # accreditation number, e.g. CNAS-L1234
    name: str = Field(max_length=200)
    uscc: str = Field(max_length=18, unique=True)
    region_code: str = Field(max_length=6)
    accredited_categories: list[str] = Field(sa_column=Column(JSON, nullable=False))
    valid_until: date
    status: str = Field(max_length=20, index=True)
    status_reason_code: str = Field(max_length=64)
    status_changed_at: datetime = Field(sa_column=utc_column(nullable=False))
