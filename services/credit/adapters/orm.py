"""Credit tables (SQLModel), in a metadata of the credit service's own."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from shared.db import BigId, make_registry, utc_column
from shared.outbox import Outbox, outbox_table, processed_events_table
from shared.web.cross_region import cross_region_read_table
from shared.web.idempotency import idempotency_table

mapper_registry = make_registry()
metadata = mapper_registry.metadata


class Base(SQLModel, registry=mapper_registry):
    """SQLModel bound to this service's own metadata (see ``shared.db.make_registry``)."""


class EnterpriseRow(Base, table=True):
    __tablename__ = "enterprise"
    uscc: str = Field(primary_key=True, max_length=18)
    name: str = Field(max_length=200, index=True)
    region_code: str = Field(max_length=6, index=True)
    category: str = Field(max_length=30)
    operator_name: str | None = Field(default=None, max_length=100)
    operator_id_number: str | None = Field(default=None, max_length=32)
    risk_grade: str = Field(max_length=1, index=True)
    grade_score: int = Field(default=0)
    grade_rule_version: str = Field(max_length=20, index=True)
    graded_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    registered_at: datetime = Field(sa_column=utc_column(nullable=False))
    version: int = Field(default=1)


class RecordRow(Base, table=True):
    __tablename__ = "credit_record"
    __table_args__ = (
        Index("ix_credit_record_uscc_disclosed", "uscc", "disclosed"),
        # the publication-period job: disclosed records by the last day of their period
        Index("ix_credit_record_due", "disclosed", "publication_until"),
    )
    id: str = Field(primary_key=True, max_length=24)
    uscc: str = Field(foreign_key="enterprise.uscc", max_length=18)
    record_class: str = Field(max_length=40)
    severity: str = Field(max_length=20)
    sector: str = Field(max_length=40)
    title: str = Field(max_length=200)
    facts: str = Field(sa_column=Column(Text, nullable=False))
    legal_basis: str = Field(sa_column=Column(Text, nullable=False))
    decision_number: str = Field(max_length=100)
    decision_date: date
    source_service: str = Field(max_length=40)
    source_department: str = Field(max_length=100)
    publication_until: date
    persons: list[dict[str, str]] = Field(sa_column=Column(JSON, nullable=False))
    source_event_id: str | None = Field(default=None, max_length=64, unique=True)
    disclosed: bool
    disclosure_ended_on: date | None = None
    disclosure_end_reason: str | None = Field(default=None, max_length=20)
    recorded_by: str = Field(max_length=200)
    recorded_at: datetime = Field(sa_column=utc_column(nullable=False))
    rule_version: str = Field(default="", max_length=20)
    review_flag: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    under_dispute: bool = Field(default=False)
    publication_until_provenance: str | None = Field(default=None, max_length=20, index=True)
    publication_calendar_version: str | None = Field(default=None, max_length=300)


class GradeChangeRow(Base, table=True):
    """Every risk-grade change with the rule version it was computed under."""

    __tablename__ = "grade_change"
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    uscc: str = Field(foreign_key="enterprise.uscc", max_length=18, index=True)
    from_grade: str | None = Field(default=None, max_length=1)
    to_grade: str = Field(max_length=1)
    score: int
    rule_version: str = Field(max_length=20)
    reasons: list[str] = Field(sa_column=Column(JSON, nullable=False))
    trigger: str = Field(max_length=80)
    occurred_at: datetime = Field(sa_column=utc_column(nullable=False))


class ListingRow(Base, table=True):
    __tablename__ = "listing"
    __table_args__ = (Index("ix_listing_status_term_end", "status", "term_end"),)
    id: str = Field(primary_key=True, max_length=24)
    uscc: str = Field(foreign_key="enterprise.uscc", max_length=18, index=True)
    status: str = Field(max_length=20)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    legal_basis: str = Field(sa_column=Column(Text, nullable=False))
    basis_record_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    measure_codes: list[str] = Field(sa_column=Column(JSON, nullable=False))
    term_years: int | None = None
    proposed_on: date
    proposed_by: str = Field(max_length=200)
    objection_deadline: date
    objection: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    listed_on: date | None = None
    listed_by: str | None = Field(default=None, max_length=200)
    term_end: date | None = None
    removed_on: date | None = None
    removal_reason: str | None = Field(default=None, max_length=30)
    removed_by: str | None = Field(default=None, max_length=200)
    rule_version: str = Field(default="", max_length=20)
    proposer_level: str | None = Field(default=None, max_length=20)
    proposer_region: str | None = Field(default=None, max_length=6)
    proposer_department: str | None = Field(default=None, max_length=100)
    early_removal: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    review_flag: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    hearing: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    objection_deadline_provenance: str | None = Field(default=None, max_length=20, index=True)
    objection_calendar_version: str | None = Field(default=None, max_length=300)
    version: int = Field(default=1)


class ListingDeadlineChangeRow(Base, table=True):
    """An objection deadline recomputed on newer calendar data (an official table replacing a
    provisional year) that moved: when, from what, to what."""

    __tablename__ = "listing_deadline_change"
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    listing_id: str = Field(max_length=24, index=True)
    uscc: str = Field(max_length=18)
    previous_deadline: date
    new_deadline: date
    previous_provenance: str | None = Field(default=None, max_length=20)
    new_provenance: str = Field(max_length=20)
    calendar_version: str = Field(max_length=300)
    changed_at: datetime = Field(sa_column=utc_column(nullable=False))


class RecordPublicationChangeRow(Base, table=True):
    """A record's last day of publication recomputed on an official working-day table that
    replaced a provisional year, and moved (issue 9)."""

    __tablename__ = "record_publication_change"
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    record_id: str = Field(max_length=24, index=True)
    uscc: str = Field(max_length=18)
    previous_until: date
    new_until: date
    previous_provenance: str | None = Field(default=None, max_length=20)
    new_provenance: str = Field(max_length=20)
    calendar_version: str = Field(max_length=300)
    changed_at: datetime = Field(sa_column=utc_column(nullable=False))


class RepairRow(Base, table=True):
    __tablename__ = "repair_application"
    id: str = Field(primary_key=True, max_length=24)
    uscc: str = Field(foreign_key="enterprise.uscc", max_length=18, index=True)
    record_id: str = Field(foreign_key="credit_record.id", max_length=24, index=True)
    commitment: str = Field(sa_column=Column(Text, nullable=False))
    evidence: list[str] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(max_length=20, index=True)
    applied_on: date
    applied_by: str = Field(max_length=200)
    decided_on: date | None = None
    decided_by: str | None = Field(default=None, max_length=200)
    decision_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    rule_version: str = Field(default="", max_length=20)
    decision_due: date | None = None


class RecordProposalRow(Base, table=True):
    """Records from other services' events waiting for a regulator (issue 12)."""

    __tablename__ = "record_proposal"
    __table_args__ = (Index("ix_record_proposal_status_due", "status", "due_on"),)
    id: str = Field(primary_key=True, max_length=24)
    source_event_id: str = Field(max_length=64, unique=True)
    source_service: str = Field(max_length=40)
    uscc: str = Field(max_length=18, index=True)
    region_code: str = Field(max_length=6)
    record_class: str = Field(max_length=40)
    command: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    received_on: date
    due_on: date
    rule_version: str = Field(max_length=20)
    status: str = Field(max_length=20)
    decided_on: date | None = None
    decided_by: str | None = Field(default=None, max_length=200)
    decision_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    record_id: str | None = Field(default=None, max_length=24)


class DisputeRow(Base, table=True):
    """Disputes over published records (issue 12)."""

    __tablename__ = "record_dispute"
    id: str = Field(primary_key=True, max_length=24)
    record_id: str = Field(foreign_key="credit_record.id", max_length=24, index=True)
    uscc: str = Field(max_length=18, index=True)
    statement: str = Field(sa_column=Column(Text, nullable=False))
    evidence: list[str] = Field(sa_column=Column(JSON, nullable=False))
    filed_on: date
    filed_by: str = Field(max_length=200)
    due_on: date
    rule_version: str = Field(max_length=20)
    status: str = Field(max_length=20)
    decided_on: date | None = None
    decided_by: str | None = Field(default=None, max_length=200)
    decision_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    corrections: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    # filed for a natural person the record names: {role, name (masked), person_ref}
    on_behalf_of: dict[str, str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class NoticeRow(Base, table=True):
    """What the enterprise was told, and when (due process: reasons and legal basis)."""

    __tablename__ = "notice"
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    uscc: str = Field(foreign_key="enterprise.uscc", max_length=18, index=True)
    kind: str = Field(max_length=40)
    subject_id: str = Field(max_length=24)
    message: str = Field(sa_column=Column(Text, nullable=False))
    legal_basis: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


class DisclosureRow(Base, table=True):
    """The public disclosure feed: publish and withdraw entries, ids visible in commit order."""

    __tablename__ = "disclosure_entry"
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    entity: str = Field(max_length=10)  # record | listing
    entity_id: str = Field(max_length=24)
    uscc: str = Field(max_length=18)
    action: str = Field(max_length=10)  # publish | withdraw
    reason: str | None = Field(default=None, max_length=30)
    occurred_at: datetime = Field(sa_column=utc_column(nullable=False))


class ProfileChangeRow(Base, table=True):
    """Which enterprises' public profiles changed, in commit order (drives profile caches)."""

    __tablename__ = "profile_change"
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    uscc: str = Field(max_length=18)
    change: str = Field(max_length=40)
    occurred_at: datetime = Field(sa_column=utc_column(nullable=False))


class FileTransferRow(Base, table=True):
    """A credit file moving to another region (the enterprise's registration moved): proposed
    by the current region's authority, approved by the receiving region's."""

    __tablename__ = "file_transfer"
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    uscc: str = Field(foreign_key="enterprise.uscc", max_length=18, index=True)
    from_region: str = Field(max_length=6)
    to_region: str = Field(max_length=6)
    reason: str = Field(max_length=2000)
    status: str = Field(max_length=20)  # pending | approved | rejected
    proposed_by: str = Field(max_length=200)
    proposed_at: datetime = Field(sa_column=utc_column(nullable=False))
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


# Natural key of a regulator's record: one decision (department + decision number) per party.
# Records from other services' events are keyed by their source event instead.
_records = RecordRow.__table__.c  # type: ignore[attr-defined]
Index(
    "uq_credit_record_decision",
    _records.source_department,
    _records.decision_number,
    _records.uscc,
    unique=True,
    postgresql_where=_records.source_event_id.is_(None),
    sqlite_where=_records.source_event_id.is_(None),
)

outbox = Outbox(outbox_table(metadata))
processed_events = processed_events_table(metadata)
idempotency_keys = idempotency_table(metadata)  # Idempotency-Key replays (shared.web)
# Full files read outside the reader's jurisdiction (shared.web.cross_region)
cross_region_reads = cross_region_read_table(metadata)
