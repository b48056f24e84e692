"""Tables of draw inputs no single party controls and of the transparency log (issue 13,
item 2). Kept apart from ``orm`` so the draw tables stay as they were."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, Index
from sqlmodel import Field

from services.inspection.adapters.orm import Base
from shared.db import utc_column


class ContributionRow(Base, table=True):
    """A party's commitment to a random value for a plan's next freeze, and its reveal."""

    __tablename__ = "draw_contribution"
    __table_args__ = (Index("ix_draw_contribution_plan_status", "plan_id", "status"),)
    id: str = Field(primary_key=True, max_length=36)
    plan_id: str = Field(foreign_key="plan.id", max_length=36)
    # pending -> bound (listed by a freeze) -> revealed -> used (by the draw); void when the
    # snapshot that listed it is abandoned
    snapshot_id: str | None = Field(default=None, max_length=36, index=True)
    status: str = Field(max_length=20)
    role: str = Field(max_length=40)  # supervising_official | public_observer
    contributor: str = Field(max_length=200)
    commitment: str = Field(max_length=64)
    value_hex: str | None = Field(default=None, max_length=64)
    committed_at: datetime = Field(sa_column=utc_column(nullable=False))
    revealed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # on the reveal that completes the snapshot's set (from then on the draw seed is known):
    # the unit ids late-excluded at that moment; later late exclusions are flagged in the draw
    sealed_late_exclusions: list | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class TransparencyEntryRow(Base, table=True):
    """One entry of the public hash chain (``domain.transparency``); never updated."""

    __tablename__ = "transparency_log"
    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    at: str = Field(max_length=32)  # the hashed UTC timestamp, as hashed
    kind: str = Field(max_length=40)
    subject: str = Field(max_length=64)
    payload: dict = Field(sa_column=Column(JSON, nullable=False))
    payload_hash: str = Field(max_length=64)
    prev_hash: str = Field(max_length=64)
    entry_hash: str = Field(max_length=64)
