"""Selection commitments and recorded sampling (issue 13), on the unit of work's session."""

from datetime import date

from sqlmodel import Session

from services.inspection.adapters.orm import DrawRow
from services.inspection.adapters.orm_disclosure import DrawCommitmentRow, TaskSamplingRow
from shared.clock import CHINA_TZ, as_utc


class DisclosureRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_commitment(self, row: DrawCommitmentRow) -> None:
        self.session.add(row)

    def draw_date(self, draw_id: str) -> date:
        """The day (China time) the draw was made."""
        draw = self.session.get(DrawRow, draw_id)
        if draw is None:
            raise LookupError(draw_id)
        return as_utc(draw.drawn_at).astimezone(CHINA_TZ).date()

    def sampling(self, task_id: str) -> TaskSamplingRow | None:
        return self.session.get(TaskSamplingRow, task_id)

    def add_sampling(self, row: TaskSamplingRow) -> None:
        self.session.add(row)
