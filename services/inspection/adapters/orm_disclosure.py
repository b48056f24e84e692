"""Tables of time-locked publicity (issue 13): the selection commitment of each draw and the
recorded sampling of each task. Kept apart from ``orm`` so the draw tables stay as they were."""

from datetime import date, datetime

from sqlmodel import Field

from services.inspection.adapters.orm import Base
from shared.db import utc_column


class DrawCommitmentRow(Base, table=True):
    """The commitment to a draw's ordered selection and the key its salts derive from (secret
    until the full reveal; see ``domain.selection_commitment``)."""

    __tablename__ = "draw_commitment"
    draw_id: str = Field(primary_key=True, foreign_key="draw.id", max_length=36)
    scheme: str = Field(max_length=40)
    selection_commitment: str = Field(max_length=64)
    key_hex: str = Field(max_length=64)


class TaskSamplingRow(Base, table=True):
    """Sampling done at the enterprise: from here on the task is no longer a secret."""

    __tablename__ = "task_sampling"
    task_id: str = Field(primary_key=True, foreign_key="task.id", max_length=36)
    sampled_on: date
    recorded_by: str = Field(max_length=200)
    recorded_at: datetime = Field(sa_column=utc_column(nullable=False))
