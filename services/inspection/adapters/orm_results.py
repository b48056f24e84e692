"""Receipt of results and re-test labs (issue 13, item 4)."""

from datetime import date, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field

from services.inspection.adapters.orm import Base
from shared.db import utc_column


class ResultReceiptRow(Base, table=True):
    __tablename__ = "result_receipt"
    task_id: str = Field(primary_key=True, foreign_key="task.id", max_length=36)
    received_on: date
    retest_deadline: date
    deadline_provenance: str = Field(max_length=20)  # official | provisional (calendar)
    recorded_by: str = Field(max_length=200)
    recorded_at: datetime = Field(sa_column=utc_column(nullable=False))


class RetestLabRow(Base, table=True):
    __tablename__ = "retest_lab"
    task_id: str = Field(primary_key=True, foreign_key="task.id", max_length=36)
    lab_id: str = Field(max_length=64)
    first_lab_id: str = Field(max_length=64)
    candidates: list = Field(sa_column=Column(JSON, nullable=False))
    algorithm: str = Field(max_length=40)
    draw_id: str = Field(max_length=36)
    drawn_by: str = Field(max_length=200)
    drawn_at: datetime = Field(sa_column=utc_column(nullable=False))


class ResultDeadlineRow(Base, table=True):
    """Per result: the last day to publish it (20 working days from its final result)."""

    __tablename__ = "result_deadline"
    task_id: str = Field(primary_key=True, foreign_key="task.id", max_length=36)
    final_on: date
    deadline: date = Field(index=True)
    provenance: str = Field(max_length=20)  # official | provisional
    calendar_version: str = Field(max_length=300)  # as every calendar_version column
