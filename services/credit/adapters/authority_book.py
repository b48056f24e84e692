"""Rows the credit authority checks need: the natural keys of records (listing proposers
are on the listing itself)."""

from sqlalchemy import select
from sqlmodel import Session

from services.credit.adapters.orm import RecordRow
from shared.db import table_of

RECORD = table_of(RecordRow)


class AuthorityBook:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record_by_decision(self, department: str, decision_number: str, uscc: str) -> str | None:
        stmt = select(RECORD.c.id).where(
            RECORD.c.source_department == department,
            RECORD.c.decision_number == decision_number,
            RECORD.c.uscc == uscc,
            RECORD.c.source_event_id.is_(None),
        )
        found = self.session.execute(stmt).scalar_one_or_none()
        return str(found) if found is not None else None
