"""Public record of claims that ended other than by a result (issue 13, item 3): tasks
withdrawn (with the reason), pre-empted by a higher level's draw, or claims expired at the
end of their plan's sampling period."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field

from services.inspection.adapters.orm import Base
from shared.db import BigId, utc_column


class ClaimEventRow(Base, table=True):
    __tablename__ = "claim_event"
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    kind: str = Field(max_length=40)  # withdrawn | preempted_by_higher_level | claim_expired_...
    task_id: str = Field(max_length=36, index=True)
    plan_id: str = Field(max_length=36, index=True)
    unit_id: str = Field(max_length=24)
    authority_level: str = Field(max_length=20)
    region_code: str = Field(max_length=6)
    task_cancelled: bool
    reason: str = Field(max_length=500)
    by_plan_id: str | None = Field(default=None, max_length=36)
    at: datetime = Field(sa_column=utc_column(nullable=False))
