"""Repositories: load and save domain objects from and to registry rows."""

from dataclasses import fields
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from services.registry.adapters.orm import (
    AccreditationHistoryRow,
    BodyRow,
    CertificateRow,
    ChangeRow,
    HolderSanctionRow,
    TransitionRow,
)
from services.registry.domain.model import (
    AccreditationStatus,
    Certificate,
    CertificateStatus,
    CertificationBody,
    Transition,
)
from services.registry.domain.sanctions import HolderSanction
from shared.clock import utcnow
from shared.db import take_append_lock
from shared.uscc import region_of

_CERT_FIELDS = [f.name for f in fields(Certificate) if f.name != "history"]


class BodyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._rows: dict[str, BodyRow] = {}

    def get(self, body_id: str, *, for_update: bool = False) -> CertificationBody | None:
        stmt = select(BodyRow).where(col(BodyRow.id) == body_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = self.session.execute(stmt).scalar_one_or_none()
        if row is None:
            return None
        self._rows[body_id] = row
        return CertificationBody(
            id=row.id,
            name=row.name,
            region_code=row.region_code,
            uscc=row.uscc,
            approved_schemes=list(row.approved_schemes),
            accreditation_status=AccreditationStatus(row.accreditation_status),
            accreditation_reason_code=row.accreditation_reason_code,
            accreditation_changed_at=row.accreditation_changed_at,
        )

    def add(self, body: CertificationBody) -> None:
        row = BodyRow(
            id=body.id,
            name=body.name,
            region_code=body.region_code,
            uscc=body.uscc,
            approved_schemes=body.approved_schemes,
            accreditation_status=body.accreditation_status.value,
            accreditation_reason_code=body.accreditation_reason_code,
            accreditation_changed_at=body.accreditation_changed_at,
            registered_at=utcnow(),
        )
        self.session.add(row)
        self.session.flush()  # history rows reference it; no ORM relationship orders them
        self._rows[body.id] = row

    def id_by_uscc(self, uscc: str) -> str | None:
        return self.session.execute(
            select(col(BodyRow.id)).where(col(BodyRow.uscc) == uscc)
        ).scalar()

    def save(self, body: CertificationBody) -> None:
        row = self._rows[body.id]
        row.accreditation_status = body.accreditation_status.value
        row.accreditation_reason_code = body.accreditation_reason_code
        row.accreditation_changed_at = body.accreditation_changed_at
        row.approved_schemes = list(body.approved_schemes)

    def record_accreditation(
        self,
        body_id: str,
        old: AccreditationStatus | None,
        body: CertificationBody,
        reason: str,
        actor: str,
    ) -> None:
        self.session.add(
            AccreditationHistoryRow(
                body_id=body_id,
                from_status=old.value if old else None,
                to_status=body.accreditation_status.value,
                reason_code=body.accreditation_reason_code or "",
                reason=reason,
                actor=actor,
                occurred_at=body.accreditation_changed_at or utcnow(),
            )
        )


class CertificateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._rows: dict[str, CertificateRow] = {}

    def get(self, number: str, *, for_update: bool = False) -> Certificate | None:
        stmt = select(CertificateRow).where(col(CertificateRow.number) == number)
        if for_update:
            stmt = stmt.with_for_update()
        row = self.session.execute(stmt).scalar_one_or_none()
        if row is None:
            return None
        self._rows[number] = row
        values = {name: getattr(row, name) for name in _CERT_FIELDS}
        values["status"] = CertificateStatus(values["status"])
        return Certificate(**values)

    def exists(self, number: str) -> bool:
        stmt = select(col(CertificateRow.id)).where(col(CertificateRow.number) == number)
        return self.session.execute(stmt).first() is not None

    def add(self, cert: Certificate) -> None:
        row = CertificateRow(
            **{name: getattr(cert, name) for name in _CERT_FIELDS},
            holder_region=region_of(cert.holder_uscc),
            created_at=utcnow(),
        )
        row.status = cert.status.value
        self.session.add(row)
        self._rows[cert.number] = row
        self._flush_history(cert)

    def save(self, cert: Certificate) -> None:
        row = self._rows[cert.number]
        row.status = cert.status.value
        row.status_reason_code = cert.status_reason_code
        row.status_changed_at = cert.status_changed_at
        row.replaced_by_number = cert.replaced_by_number
        row.version += 1
        self._flush_history(cert)

    def _flush_history(self, cert: Certificate) -> None:
        row = self._rows[cert.number]
        if cert.history:
            self.session.flush()  # the row needs its id before history can point at it
        for t in cert.history:
            assert row.id is not None  # flushed above
            self.session.add(_transition_row(row.id, t))
        cert.history.clear()

    def numbers_due_to_expire(self, today: date, limit: int) -> list[str]:
        stmt = (
            select(col(CertificateRow.number))
            .where(
                col(CertificateRow.status).in_(["valid", "suspended"]),
                col(CertificateRow.expiry_date) < today,
            )
            .order_by(col(CertificateRow.expiry_date))
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())


def _transition_row(certificate_id: int, t: Transition) -> TransitionRow:
    return TransitionRow(
        certificate_id=certificate_id,
        action=t.action.value,
        from_status=t.from_status.value if t.from_status else None,
        to_status=t.to_status.value,
        reason_code=t.reason_code,
        reason=t.reason,
        actor=t.actor,
        occurred_at=t.occurred_at,
    )


class ChangeLog:
    """Appends to the public change feed under the append lock (ids visible in order)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._pending: list[ChangeRow] = []

    def record(self, entity: str, key: str, change: str, status: str | None) -> None:
        self._pending.append(
            ChangeRow(
                entity=entity, entity_key=key, change=change, status=status, occurred_at=utcnow()
            )
        )

    def flush(self) -> None:
        if not self._pending:
            return
        take_append_lock(self.session, "change_log")
        self.session.add_all(self._pending)
        self._pending = []


class SanctionRepository:
    """Holder sanctions as domain objects (``services.registry.domain.sanctions``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, listing_id: str, measure_code: str) -> HolderSanctionRow | None:
        stmt = select(HolderSanctionRow).where(
            col(HolderSanctionRow.listing_id) == listing_id,
            col(HolderSanctionRow.measure_code) == measure_code,
        )
        return self.session.execute(stmt).scalar_one_or_none()

    def get(self, listing_id: str, measure_code: str) -> HolderSanction | None:
        row = self._row(listing_id, measure_code)
        return _sanction(row) if row is not None else None

    def add(self, sanction: HolderSanction) -> None:
        self.session.add(HolderSanctionRow(**sanction.__dict__))

    def save(self, sanction: HolderSanction) -> None:
        """Writes a lift (the only change a stored measure undergoes)."""
        row = self._row(sanction.listing_id, sanction.measure_code)
        assert row is not None, "save() follows get()"
        row.active, row.lifted_at = sanction.active, sanction.lifted_at

    def valid_certificate_numbers(
        self, uscc: str, status: str, reason_code: str | None = None
    ) -> list[str]:
        stmt = select(col(CertificateRow.number)).where(
            col(CertificateRow.holder_uscc) == uscc, col(CertificateRow.status) == status
        )
        if reason_code:
            stmt = stmt.where(col(CertificateRow.status_reason_code) == reason_code)
        return list(self.session.execute(stmt).scalars())

    def active_for(self, uscc: str) -> list[HolderSanction]:
        stmt = select(HolderSanctionRow).where(
            col(HolderSanctionRow.holder_uscc) == uscc,
            col(HolderSanctionRow.active).is_(True),
        )
        return [_sanction(row) for row in self.session.execute(stmt).scalars()]


def _sanction(row: HolderSanctionRow) -> HolderSanction:
    return HolderSanction(
        holder_uscc=row.holder_uscc,
        listing_id=row.listing_id,
        measure_code=row.measure_code,
        measure_name=row.measure_name,
        legal_basis=row.legal_basis,
        enforcing_service=row.enforcing_service,
        active=row.active,
        started_at=row.started_at,
        lifted_at=row.lifted_at,
    )
