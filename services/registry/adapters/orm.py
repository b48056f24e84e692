"""Registry tables (SQLModel), in a metadata of the registry's own."""

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, String
from sqlmodel import Field, SQLModel

from shared.db import BigId, make_registry, utc_column
from shared.outbox import Outbox, outbox_table, processed_events_table
from shared.web.cross_region import cross_region_read_table
from shared.web.idempotency import idempotency_table

mapper_registry = make_registry()
metadata = mapper_registry.metadata


class Base(SQLModel, registry=mapper_registry):
    """SQLModel bound to this service's own metadata (see ``shared.db.make_registry``)."""


class BodyRow(Base, table=True):
    __tablename__ = "certification_body"
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    region_code: str = Field(max_length=6)
    uscc: str | None = Field(default=None, max_length=18, unique=True)
    approved_schemes: list[str] = Field(sa_column=Column(JSON, nullable=False))
    accreditation_status: str = Field(max_length=20, index=True)
    accreditation_reason_code: str | None = Field(default=None, max_length=64)
    accreditation_changed_at: datetime | None = Field(
        default=None, sa_column=utc_column(nullable=True)
    )
    registered_at: datetime = Field(sa_column=utc_column(nullable=False))


class AccreditationHistoryRow(Base, table=True):
    __tablename__ = "accreditation_history"
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    body_id: str = Field(foreign_key="certification_body.id", index=True, max_length=64)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    reason_code: str = Field(max_length=64)
    reason: str = Field(default="")
    actor: str = Field(max_length=200)
    occurred_at: datetime = Field(sa_column=utc_column(nullable=False))


class CertificateRow(Base, table=True):
    __tablename__ = "certificate"
    __table_args__ = (
        Index("ix_certificate_holder_status", "holder_uscc", "status"),
        Index("ix_certificate_body_number", "body_id", "number"),
    )
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    number: str = Field(max_length=64, unique=True)
    scheme: str = Field(max_length=32, index=True)
    scope: str
    product_name: str | None = Field(default=None, max_length=200)
    product_model: str | None = Field(default=None, max_length=200)
    holder_uscc: str = Field(max_length=18)
    holder_name: str = Field(max_length=200, index=True)
    holder_region: str = Field(max_length=6, index=True)
    body_id: str = Field(foreign_key="certification_body.id", max_length=64)
    issue_date: date
    expiry_date: date = Field(index=True)
    signer_name: str = Field(max_length=100)
    signer_position: str | None = Field(default=None, max_length=100)
    signer_registration_no: str | None = Field(default=None, max_length=64)
    status: str = Field(max_length=20, index=True)
    status_reason_code: str | None = Field(default=None, max_length=64)
    status_changed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    replaces_number: str | None = Field(default=None, max_length=64)
    replaced_by_number: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    version: int = Field(default=1)


class TransitionRow(Base, table=True):
    """Append-only lifecycle history, one row per transition."""

    __tablename__ = "certificate_transition"
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    certificate_id: int = Field(foreign_key="certificate.id", index=True)
    action: str = Field(max_length=20)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    reason_code: str = Field(max_length=64)
    reason: str = Field(default="")
    actor: str = Field(max_length=200)
    occurred_at: datetime = Field(sa_column=utc_column(nullable=False))


class ChangeRow(Base, table=True):
    """The public change feed: certificates, bodies and holders, in commit order."""

    __tablename__ = "change_log"
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    entity: str = Field(max_length=20)  # certificate | body | holder
    entity_key: str = Field(max_length=64)
    change: str = Field(max_length=100)
    status: str | None = Field(default=None, max_length=20)
    occurred_at: datetime = Field(sa_column=utc_column(nullable=False))


class HolderSanctionRow(Base, table=True):
    """Joint-punishment measures against a holder, mirrored from the credit service."""

    __tablename__ = "holder_sanction"
    __table_args__ = (
        Index("ix_holder_sanction_uscc_active", "holder_uscc", "active"),
        Index("uq_holder_sanction_listing_measure", "listing_id", "measure_code", unique=True),
    )
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    holder_uscc: str = Field(max_length=18)
    listing_id: str = Field(max_length=64)
    measure_code: str = Field(max_length=64)
    measure_name: str = Field(max_length=200)
    legal_basis: str
    enforcing_service: str = Field(default="registry", max_length=64)
    active: bool = Field(default=True)
    started_at: datetime = Field(sa_column=utc_column(nullable=False))
    lifted_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class WithdrawalRequestRow(Base, table=True):
    """A proposed withdrawal of a body's accreditation, waiting for a second regulator."""

    __tablename__ = "accreditation_withdrawal_request"
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    body_id: str = Field(foreign_key="certification_body.id", index=True, max_length=64)
    reason_code: str = Field(max_length=64)
    reason: str = Field(default="")
    status: str = Field(max_length=20)  # pending | approved | rejected
    proposed_by: str = Field(max_length=200)
    proposed_at: datetime = Field(sa_column=utc_column(nullable=False))
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


outbox = Outbox(outbox_table(metadata))
processed_events = processed_events_table(metadata)
idempotency_keys = idempotency_table(metadata)  # Idempotency-Key replays (shared.web)
# Full certificate records read outside the reader's jurisdiction (shared.web.cross_region)
cross_region_reads = cross_region_read_table(
    metadata, Column("certificate_number", String(64), nullable=False)
)

from services.registry.adapters import orm_supervision as _supervision  # noqa: E402, F401  (registers its tables in this metadata)
