"""Rows the credit authority checks need: the natural keys of records (listing proposers
are on the listing itself)."""

from sqlalchemy import select
from sqlmodel import Session

from services.credit.adapters.orm import RecordRow


class AuthorityBook:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record_by_decision(self, department: str, decision_number: str, uscc: str) -> str | None:
        r = RecordRow.__table__.c  # type: ignore[attr-defined]
        stmt = select(r.id).where(
            r.source_department == department,
            r.decision_number == decision_number,
            r.uscc == uscc,
            r.source_event_id.is_(None),
        )
        found = self.session.execute(stmt).scalar_one_or_none()
        return str(found) if found is not None else None
