"""The registry's verdict on each testing lab (issue 14), mirrored from
``registry.lab.status_changed``: banned, withdrawn, suspended or expired labs leave the pool."""

from datetime import datetime

from sqlmodel import Field

from services.inspection.adapters.orm import Base
from shared.db import utc_column


class LabStandingRow(Base, table=True):
    __tablename__ = "lab_standing"
    lab_id: str = Field(primary_key=True, max_length=64)
    lab_uscc: str = Field(max_length=18)
    status: str = Field(max_length=20)
    reason_code: str = Field(max_length=64)
    eligible: bool
    source_event_id: str = Field(max_length=64)
    occurred_at: datetime = Field(sa_column=utc_column(nullable=False))
