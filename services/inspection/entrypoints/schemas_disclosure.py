"""Request bodies of the time-locked publicity routes (issue 13)."""

from datetime import date

from pydantic import BaseModel, ConfigDict

from services.inspection.entrypoints.schemas import Page, SnapshotOut


class SamplingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sampled_on: date


class ExclusionsPage(Page):
    withheld_count: int  # caused by another plan's task that is not public yet


class PublicSnapshotOut(SnapshotOut):
    document_public_from: date
