"""Facts about enterprises mirrored from the credit and registry services."""

from typing import Any

from sqlalchemy import (
    select,
)
from sqlmodel import Session, col

from services.inspection.adapters.orm import (
    CertifiedProductRow,
    DishonestyMeasureRow,
    EnterpriseRiskRow,
)


class MirrorRepository:
    """Facts about enterprises mirrored from the credit and registry services."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def risk(self, uscc: str, *, for_update: bool = False) -> EnterpriseRiskRow | None:
        stmt = select(EnterpriseRiskRow).where(col(EnterpriseRiskRow.uscc) == uscc)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.execute(stmt).scalar_one_or_none()

    def add(self, row: Any) -> None:
        self.session.add(row)

    def measure(self, listing_id: str, *, for_update: bool = False) -> DishonestyMeasureRow | None:
        stmt = select(DishonestyMeasureRow).where(
            col(DishonestyMeasureRow.listing_id) == listing_id
        )
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.execute(stmt).scalar_one_or_none()

    def certified(self, number: str) -> CertifiedProductRow | None:
        return self.session.execute(
            select(CertifiedProductRow)
            .where(col(CertifiedProductRow.certificate_number) == number)
            .with_for_update()
        ).scalar_one_or_none()
