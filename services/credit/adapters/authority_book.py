"""Rows the credit authority checks need: listing proposers and record natural keys."""

from sqlalchemy import select
from sqlmodel import Session

from services.credit.adapters.orm import ListingAuthorityRow, RecordRow


class AuthorityBook:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record_proposer(self, listing_id: str, level: str, region: str, department: str) -> None:
        self.session.add(
            ListingAuthorityRow(
                listing_id=listing_id,
                authority_level=level,
                region_code=region,
                department=department,
            )
        )

    def proposer(self, listing_id: str) -> tuple[str, str] | None:
        """(authority level, region code) of the authority that proposed the listing."""
        row = self.session.get(ListingAuthorityRow, listing_id)
        return (row.authority_level, row.region_code) if row else None

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
