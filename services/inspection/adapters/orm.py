"""Inspection tables (SQLModel), in a metadata of the inspection service's own."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from services.inspection.adapters.bulk import BulkOutbox
from shared.db import BigId, make_registry, utc_column
from shared.outbox import outbox_table, processed_events_table
from shared.web.idempotency import idempotency_table

mapper_registry = make_registry()
metadata = mapper_registry.metadata


class Base(SQLModel, registry=mapper_registry):
    """SQLModel bound to this service's own metadata (see ``shared.db.make_registry``)."""


def _json(**kw: Any) -> Column[Any]:
    return Column(JSON, nullable=False, **kw)


# -- rosters ------------------------------------------------------------------------------------
class UnitRow(Base, table=True):
    """An inspection unit: one enterprise's product of one specification/model."""

    __tablename__ = "unit"
    __table_args__ = (Index("ix_unit_scope", "product_category", "region_code"),)
    id: str = Field(primary_key=True, max_length=24)
    enterprise_uscc: str = Field(max_length=18, index=True)
    enterprise_name: str = Field(max_length=200)
    product_name: str = Field(max_length=200)
    model: str = Field(max_length=200)
    industry: str = Field(max_length=64, index=True)
    product_category: str = Field(max_length=64)
    region_code: str = Field(max_length=6, index=True)
    risk_class: str = Field(max_length=1)
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))


class InspectorRow(Base, table=True):
    __tablename__ = "inspector"
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=100)
    department: str = Field(max_length=100)
    region_code: str = Field(max_length=6, index=True)
    qualifications: list[str] = Field(sa_column=_json())
    expertise: list[str] = Field(sa_column=_json())
    conflicts: list[str] = Field(sa_column=_json())
    active: bool = Field(default=True)
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))


class LabRow(Base, table=True):
    __tablename__ = "lab"
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    region_code: str = Field(max_length=6)
    accredited_categories: list[str] = Field(sa_column=_json())
    conflicts: list[str] = Field(sa_column=_json())
    active: bool = Field(default=True)
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))


# -- facts mirrored from other services (credit, registry), each tied to its source event ------
class EnterpriseRiskRow(Base, table=True):
    """An enterprise's credit risk class; overrides the class units were imported with."""

    __tablename__ = "enterprise_risk"
    uscc: str = Field(primary_key=True, max_length=18)
    risk_class: str = Field(max_length=1)
    source_event_id: str = Field(max_length=64)
    occurred_at: datetime = Field(sa_column=utc_column(nullable=False))
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))


class DishonestyMeasureRow(Base, table=True):
    """Joint punishment for a listed dishonest enterprise: higher sampling weight and no
    six-month exemption while active."""

    __tablename__ = "dishonesty_measure"
    __table_args__ = (Index("ix_dishonesty_measure_uscc_active", "uscc", "active"),)
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    uscc: str = Field(max_length=18)
    listing_id: str = Field(max_length=64, unique=True)
    measure_code: str = Field(max_length=64)
    active: bool = Field(default=True)
    source_event_id: str = Field(max_length=64)
    started_at: datetime = Field(sa_column=utc_column(nullable=False))
    lifted_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    lifted_event_id: str | None = Field(default=None, max_length=64)


class CertifiedProductRow(Base, table=True):
    __tablename__ = "certified_product"
    certificate_number: str = Field(primary_key=True, max_length=64)
    scheme: str = Field(default="", max_length=32)
    uscc: str = Field(max_length=18, index=True)
    product_name: str | None = Field(default=None, max_length=200)
    model: str | None = Field(default=None, max_length=200)
    status: str = Field(max_length=20)
    source_event_id: str = Field(max_length=64)
    occurred_at: datetime = Field(sa_column=utc_column(nullable=False))


# -- policy, plans, snapshots, draws ------------------------------------------------------------
class PolicyRow(Base, table=True):
    __tablename__ = "eligibility_policy"
    version: int = Field(primary_key=True)
    effective_from: date
    document: dict = Field(sa_column=_json())
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


class PlanRow(Base, table=True):
    __tablename__ = "plan"
    __table_args__ = (Index("ix_plan_authority", "authority_level", "region_code"),)
    id: str = Field(primary_key=True, max_length=36)
    name: str = Field(max_length=200)
    authority_level: str = Field(max_length=20)
    department: str = Field(max_length=100)
    region_code: str = Field(max_length=6)
    check_type: str = Field(max_length=40)
    scope: dict = Field(sa_column=_json())
    sampling: dict = Field(sa_column=_json())
    team_size: int
    cross_region_teams: bool
    inspector_cooldown_days: int
    period_start: date
    period_end: date
    publication_deadline: date | None = Field(default=None, index=True)
    deadline_problem: str | None = Field(default=None, max_length=200)
    # official | provisional (shared.periods), and the calendar data it was computed on
    deadline_provenance: str | None = Field(default=None, max_length=20, index=True)
    deadline_calendar_version: str | None = Field(default=None, max_length=300)
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    # other departments of a joint plan (issue 13, item 7); null: a single department's plan
    joint_departments: list | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class SnapshotRow(Base, table=True):
    __tablename__ = "snapshot"
    id: str = Field(primary_key=True, max_length=36)
    plan_id: str = Field(foreign_key="plan.id", index=True, max_length=36)
    status: str = Field(max_length=20)  # committed | drawn | abandoned
    policy_version: int
    frozen_on: date
    snapshot_hash: str = Field(max_length=64)
    seed_commitment: str = Field(max_length=64)
    # The secret until the draw reveals it; never shown before.
    seed_hex: str = Field(max_length=64)
    unit_count: int
    excluded_count: int
    # check_record ids up to this one were visible when the roster was frozen; later ones may
    # exclude units late (check_record is appended under an append lock, so ids commit in order)
    history_watermark: int = Field(sa_column=Column(BigInteger, nullable=False))
    # The snapshot document without its unit columns (those are the entry rows).
    header: dict = Field(sa_column=_json())
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


# Unit ids sort in code-point order everywhere (the canonical snapshot order): "C" collation
# on PostgreSQL, SQLite's default BINARY.
UnitIdType = String(24).with_variant(String(24, collation="C"), "postgresql")


class SnapshotEntryRow(Base, table=True):
    """One eligible unit of a frozen snapshot. Stored clustered by (snapshot, unit id) on
    SQLite (WITHOUT ROWID) so reading a snapshot in unit order is one sequential scan.

    ``ordinal`` is the unit's position in that order (0-based), set when the snapshot is
    frozen: draws number units by position, so the draw reads only weights and risk classes
    of the whole roster and fetches the few drawn entries by ordinal."""

    __tablename__ = "snapshot_entry"
    __table_args__ = (
        Index("uq_snapshot_entry_ordinal", "snapshot_id", "ordinal", unique=True),
        {"sqlite_with_rowid": False},
    )
    snapshot_id: str = Field(primary_key=True, max_length=36)
    unit_id: str = Field(sa_column=Column(UnitIdType, primary_key=True))
    enterprise_uscc: str = Field(max_length=18)
    region_code: str = Field(max_length=6)
    product_category: str = Field(max_length=64)
    risk_class: str = Field(max_length=1)
    dishonest: int = Field(sa_column=Column(SmallInteger, nullable=False))
    weight: int
    # nullable only because SQLite cannot add a NOT NULL column; migration 0002 backfills it
    ordinal: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))


class SnapshotExclusionRow(Base, table=True):
    """Why a unit in the plan's scope was not eligible when the snapshot was frozen."""

    __tablename__ = "snapshot_exclusion"
    snapshot_id: str = Field(primary_key=True, max_length=36)
    unit_id: str = Field(primary_key=True, max_length=24)
    rule: str = Field(max_length=40)
    cause_task_id: str | None = Field(default=None, max_length=36)
    cause_plan_id: str | None = Field(default=None, max_length=36)
    cause_authority_level: str | None = Field(default=None, max_length=20)
    cause_region_code: str | None = Field(default=None, max_length=6)
    cause_date: date | None = None


class DrawRow(Base, table=True):
    """A draw: append-only. A re-draw is a new row with a reason; the old one stays."""

    __tablename__ = "draw"
    id: str = Field(primary_key=True, max_length=36)
    snapshot_id: str = Field(foreign_key="snapshot.id", unique=True, max_length=36)
    plan_id: str = Field(foreign_key="plan.id", index=True, max_length=36)
    status: str = Field(max_length=20)  # active | superseded
    algorithm: str = Field(max_length=40)
    seed_hex: str = Field(max_length=64)
    result_digest: str = Field(max_length=64)
    selected_count: int
    strata: list = Field(sa_column=_json())
    late_exclusions: list = Field(sa_column=_json())
    recusals: list = Field(sa_column=_json())
    supersedes_draw_id: str | None = Field(default=None, max_length=36)
    redraw_reason: str | None = None
    superseded_by: str | None = Field(default=None, max_length=36)
    drawn_by: str = Field(max_length=200)
    drawn_at: datetime = Field(sa_column=utc_column(nullable=False))


# -- tasks, claims, results ---------------------------------------------------------------------
class TaskRow(Base, table=True):
    __tablename__ = "task"
    __table_args__ = (Index("ix_task_enterprise_assigned", "enterprise_uscc", "assigned_at"),)
    id: str = Field(primary_key=True, max_length=36)
    draw_id: str = Field(foreign_key="draw.id", index=True, max_length=36)
    plan_id: str = Field(foreign_key="plan.id", index=True, max_length=36)
    unit_id: str = Field(max_length=24, index=True)
    enterprise_uscc: str = Field(max_length=18)
    product_category: str = Field(max_length=64)
    region_code: str = Field(max_length=6)
    stratum: int
    rank: int
    inspectors: list[str] = Field(sa_column=_json())
    lab_id: str = Field(max_length=64)
    status: str = Field(max_length=20, index=True)
    assigned_at: datetime = Field(sa_column=utc_column(nullable=False))
    cancel_reason: str | None = None
    published_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class ClaimRow(Base, table=True):
    """A unit in a running check. The primary key on unit_id is what makes two authorities'
    simultaneous draws unable to both take a unit: the second insert fails in the database."""

    __tablename__ = "unit_claim"
    unit_id: str = Field(primary_key=True, max_length=24)
    task_id: str = Field(max_length=36, unique=True)
    plan_id: str = Field(max_length=36, index=True)
    authority_level: str = Field(max_length=20)
    region_code: str = Field(max_length=6)
    claimed_at: datetime = Field(sa_column=utc_column(nullable=False))


class ResultRow(Base, table=True):
    __tablename__ = "result"
    task_id: str = Field(primary_key=True, foreign_key="task.id", max_length=36)
    outcome: str = Field(max_length=20)
    failed_items: list = Field(sa_column=_json())
    sampling_date: date
    status: str = Field(max_length=20, index=True)
    objection_deadline: date | None = None
    objection_deadline_provenance: str | None = Field(default=None, max_length=20, index=True)
    objection_calendar_version: str | None = Field(default=None, max_length=300)
    objected_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    objection_reason: str | None = None
    retested: bool = Field(default=False)
    recorded_by: str = Field(max_length=200)
    recorded_at: datetime = Field(sa_column=utc_column(nullable=False))
    finalised_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    finalised_by: str | None = Field(default=None, max_length=200)


class CheckRecordRow(Base, table=True):
    """Earlier checks of units, for the six-month rule: final results of this service's tasks
    and checks imported from other systems."""

    __tablename__ = "check_record"
    __table_args__ = (
        Index("ix_check_record_unit_date", "unit_id", "sampling_date"),
        UniqueConstraint("task_id"),
    )
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    unit_id: str = Field(max_length=24)
    enterprise_uscc: str = Field(max_length=18)
    task_id: str | None = Field(default=None, max_length=36)
    plan_id: str | None = Field(default=None, max_length=36)
    authority_level: str = Field(max_length=20)
    region_code: str = Field(max_length=6)
    check_type: str = Field(max_length=40)
    outcome: str = Field(max_length=20)
    sampling_date: date
    recorded_at: datetime = Field(sa_column=utc_column(nullable=False))


class DeadlineChangeRow(Base, table=True):
    """A deadline recomputed on newer calendar data (an official table replacing a provisional
    year): kept so everyone can see that, when and why it moved."""

    __tablename__ = "deadline_change"
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    plan_id: str = Field(max_length=36, index=True)
    task_id: str | None = Field(default=None, max_length=36)  # objection deadlines
    deadline_kind: str = Field(max_length=40)
    previous_deadline: date | None = None
    new_deadline: date
    previous_provenance: str | None = Field(default=None, max_length=20)
    new_provenance: str = Field(max_length=20)
    calendar_version: str = Field(max_length=300)
    changed_at: datetime = Field(sa_column=utc_column(nullable=False))


class RosterHistoryRow(Base, table=True):
    """Every change to a roster row: who, when, and the row before and after (issue 10)."""

    __tablename__ = "roster_history"
    __table_args__ = (Index("ix_roster_history_kind_row", "kind", "row_id"),)
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    kind: str = Field(max_length=20)  # unit | inspector | lab
    row_id: str = Field(max_length=200)
    change: str = Field(max_length=20)  # created | updated
    before: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict = Field(sa_column=_json())
    actor: str = Field(max_length=200)
    occurred_at: datetime = Field(sa_column=utc_column(nullable=False))
    # the roster version the change made (issue 13, item 4; orm_outside.RosterVersionRow)
    roster_version: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


outbox = BulkOutbox(outbox_table(metadata))
processed_events = processed_events_table(metadata)
idempotency_keys = idempotency_table(metadata)  # Idempotency-Key replays (shared.web)

from services.inspection.adapters import orm_labs as _labs  # noqa: E402, F401  (registers its table in this metadata)
from services.inspection.adapters import orm_outside as _outside  # noqa: E402, F401  (likewise)
