"""Repositories: load and save credit domain objects from and to rows."""

from dataclasses import asdict, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session, col

from services.credit.adapters.orm import (
    DisclosureRow,
    EnterpriseRow,
    GradeChangeRow,
    ListingDeadlineChangeRow,
    ListingRow,
    NoticeRow,
    ProfileChangeRow,
    RecordPublicationChangeRow,
    RecordRow,
    RepairRow,
)
from services.credit.domain.catalogue import Category, RemovalReason, Severity
from services.credit.domain.grading import Grade
from services.credit.domain.listing import Listing, ListingStatus, Objection
from services.credit.domain.model import Enterprise, GradeChange
from services.credit.domain.record import CreditRecord, DisclosureEnd
from services.credit.domain.repair import RepairApplication, RepairStatus
from shared.clock import utcnow
from shared.contracts.credit import ListingDeadlineChangedV1, RecordPublicationChangedV1
from shared.db import take_append_lock

_ENTERPRISE_FIELDS = [f.name for f in fields(Enterprise)]
_RECORD_FIELDS = [f.name for f in fields(CreditRecord)]
_LISTING_FIELDS = [f.name for f in fields(Listing) if f.name != "objection"]
_REPAIR_FIELDS = [f.name for f in fields(RepairApplication)]


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


class _Repository:
    row_type: Any
    key: str

    def __init__(self, session: Session) -> None:
        self.session = session
        self._rows: dict[str, Any] = {}

    def _load(self, key: str, for_update: bool) -> Any:
        stmt = select(self.row_type).where(getattr(self.row_type, self.key) == key)
        if for_update:
            # the row may be in the identity map from before the lock was taken: re-read it
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        row = self.session.execute(stmt).scalar_one_or_none()
        if row is not None:
            self._rows[key] = row
        return row

    def owner_of(self, key: str) -> str | None:
        """The enterprise an item belongs to, read without locking (to lock that first)."""
        column = getattr(self.row_type, self.key)
        stmt = select(self.row_type.uscc).where(column == key)
        return self.session.execute(stmt).scalar_one_or_none()

    def _store(self, key: str, values: dict[str, Any]) -> None:
        row = self._rows[key]
        for name, value in values.items():
            setattr(row, name, value)
        if hasattr(row, "version"):
            row.version += 1

    def _insert(self, key: str, row: Any) -> None:
        self.session.add(row)
        self._rows[key] = row


class EnterpriseRepository(_Repository):
    row_type = EnterpriseRow
    key = "uscc"

    def get(self, uscc: str, *, for_update: bool = False) -> Enterprise | None:
        row = self._load(uscc, for_update)
        if row is None:
            return None
        values = {name: getattr(row, name) for name in _ENTERPRISE_FIELDS}
        values["category"] = Category(values["category"])
        values["risk_grade"] = Grade(values["risk_grade"])
        return Enterprise(**values)

    def add(self, enterprise: Enterprise) -> None:
        values = {k: _plain(v) for k, v in asdict(enterprise).items()}
        self._insert(enterprise.uscc, EnterpriseRow(**values, registered_at=utcnow()))
        self.session.flush()  # records and listings reference it

    def save(self, enterprise: Enterprise) -> None:
        values = {k: _plain(v) for k, v in asdict(enterprise).items() if k != "uscc"}
        self._store(enterprise.uscc, values)

    def record_grade_change(self, change: GradeChange) -> None:
        self.session.add(
            GradeChangeRow(
                uscc=change.uscc,
                from_grade=_plain(change.from_grade),
                to_grade=change.to_grade.value,
                score=change.score,
                rule_version=change.rule_version,
                reasons=list(change.reasons),
                trigger=change.trigger,
                occurred_at=change.occurred_at,
            )
        )

    def graded_under_other_rules(self, version: str, limit: int) -> list[str]:
        stmt = (
            select(col(EnterpriseRow.uscc))
            .where(col(EnterpriseRow.grade_rule_version) != version)
            .order_by(col(EnterpriseRow.uscc))
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())


class RecordRepository(_Repository):
    row_type = RecordRow
    key = "id"

    def get(self, record_id: str, *, for_update: bool = False) -> CreditRecord | None:
        row = self._load(record_id, for_update)
        return None if row is None else self._domain(row)

    def _domain(self, row: RecordRow) -> CreditRecord:
        values = {name: getattr(row, name) for name in _RECORD_FIELDS}
        values["severity"] = Severity(values["severity"])
        values["persons"] = list(values["persons"] or [])
        if values["disclosure_end_reason"]:
            values["disclosure_end_reason"] = DisclosureEnd(values["disclosure_end_reason"])
        return CreditRecord(**values)

    def by_source_event(self, event_id: str) -> CreditRecord | None:
        row = self.session.execute(
            select(RecordRow).where(col(RecordRow.source_event_id) == event_id)
        ).scalar_one_or_none()
        if row is None:
            return None
        self._rows[row.id] = row
        return self._domain(row)

    def add(self, record: CreditRecord) -> None:
        values = {k: _plain(v) for k, v in asdict(record).items()}
        self._insert(record.id, RecordRow(**values))

    def save(self, record: CreditRecord) -> None:
        self._store(
            record.id,
            {
                "disclosed": record.disclosed,
                "disclosure_ended_on": record.disclosure_ended_on,
                "disclosure_end_reason": _plain(record.disclosure_end_reason),
                # disputes (issue 12): the mark and the fields a correction may replace
                "under_dispute": record.under_dispute,
                "title": record.title,
                "facts": record.facts,
                "legal_basis": record.legal_basis,
                "decision_number": record.decision_number,
                "source_department": record.source_department,
                # working-day periods made official when a calendar table is loaded (issue 9)
                "publication_until": record.publication_until,
                "publication_until_provenance": record.publication_until_provenance,
                "publication_calendar_version": record.publication_calendar_version,
            },
        )

    def in_force(self, uscc: str, today: date) -> list[CreditRecord]:
        rows = self.session.execute(
            select(RecordRow).where(
                col(RecordRow.uscc) == uscc,
                col(RecordRow.disclosed).is_(True),
                col(RecordRow.publication_until) >= today,
            )
        ).scalars()
        return [self._domain(r) for r in rows]

    def provisional_publication_ends(self, classes: list[str]) -> list[tuple[str, str]]:
        """(id, uscc) of disclosed records of ``classes`` whose last day of publication is
        not known to rest on official calendar data."""
        stmt = (
            select(col(RecordRow.id), col(RecordRow.uscc))
            .where(
                col(RecordRow.disclosed).is_(True),
                col(RecordRow.record_class).in_(classes),
                or_(
                    col(RecordRow.publication_until_provenance).is_(None),
                    col(RecordRow.publication_until_provenance) != "official",
                ),
            )
            .order_by(col(RecordRow.id))
        )
        return [(r.id, r.uscc) for r in self.session.execute(stmt)]

    def record_publication_change(self, change: RecordPublicationChangedV1, at: datetime) -> None:
        self.session.add(
            RecordPublicationChangeRow(
                record_id=change.record_id,
                uscc=change.uscc,
                previous_until=change.previous_until,
                new_until=change.new_until,
                previous_provenance=change.previous_provenance,
                new_provenance=change.new_provenance,
                calendar_version=change.calendar_version,
                changed_at=at,
            )
        )

    def due_to_end(self, today: date, limit: int) -> list[tuple[str, str]]:
        """(id, uscc) of disclosed records whose period is over."""
        stmt = (
            select(col(RecordRow.id), col(RecordRow.uscc))
            .where(
                col(RecordRow.disclosed).is_(True),
                col(RecordRow.publication_until) < today,
            )
            .order_by(col(RecordRow.publication_until), col(RecordRow.id))
            .limit(limit)
        )
        return [(r.id, r.uscc) for r in self.session.execute(stmt)]


class ListingRepository(_Repository):
    row_type = ListingRow
    key = "id"

    def get(self, listing_id: str, *, for_update: bool = False) -> Listing | None:
        row = self._load(listing_id, for_update)
        return None if row is None else self._domain(row)

    def _domain(self, row: ListingRow) -> Listing:
        values = {name: getattr(row, name) for name in _LISTING_FIELDS}
        values["status"] = ListingStatus(values["status"])
        values["basis_record_ids"] = list(values["basis_record_ids"])
        values["measure_codes"] = list(values["measure_codes"])
        if values["removal_reason"]:
            values["removal_reason"] = RemovalReason(values["removal_reason"])
        listing = Listing(**values)
        if row.objection:
            o = dict(row.objection)
            for key in ("filed_on", "decided_on"):
                o[key] = date.fromisoformat(o[key]) if o.get(key) else None
            listing.objection = Objection(**o)
        return listing

    def _values(self, listing: Listing) -> dict[str, Any]:
        values = {name: _plain(getattr(listing, name)) for name in _LISTING_FIELDS}
        objection = None
        if listing.objection is not None:
            objection = asdict(listing.objection)
            for key in ("filed_on", "decided_on"):
                objection[key] = objection[key].isoformat() if objection[key] else None
        values["objection"] = objection
        return values

    def add(self, listing: Listing) -> None:
        self._insert(listing.id, ListingRow(**self._values(listing)))

    def save(self, listing: Listing) -> None:
        values = self._values(listing)
        values.pop("id")
        self._store(listing.id, values)

    def provisional_objection_deadlines(self) -> list[tuple[str, str]]:
        """(listing id, USCC) of proposed listings whose objection deadline is not official."""
        stmt = (
            select(col(ListingRow.id), col(ListingRow.uscc))
            .where(
                col(ListingRow.status) == ListingStatus.PROPOSED.value,
                or_(
                    col(ListingRow.objection_deadline_provenance).is_(None),
                    col(ListingRow.objection_deadline_provenance) != "official",
                ),
            )
            .order_by(col(ListingRow.id))
        )
        return [(r.id, r.uscc) for r in self.session.execute(stmt)]

    def record_deadline_change(self, change: ListingDeadlineChangedV1, at: datetime) -> None:
        self.session.add(
            ListingDeadlineChangeRow(
                listing_id=change.listing_id,
                uscc=change.uscc,
                previous_deadline=change.previous_deadline,
                new_deadline=change.new_deadline,
                previous_provenance=change.previous_provenance,
                new_provenance=change.new_provenance,
                calendar_version=change.calendar_version,
                changed_at=at,
            )
        )

    def active_for(self, uscc: str, *, for_update: bool = False) -> list[Listing]:
        stmt = select(ListingRow).where(
            col(ListingRow.uscc) == uscc, col(ListingRow.status) != ListingStatus.REMOVED.value
        )
        if for_update:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        rows = list(self.session.execute(stmt).scalars())
        for row in rows:
            self._rows[row.id] = row
        return [self._domain(r) for r in rows]

    def due_to_end(self, today: date, limit: int) -> list[tuple[str, str]]:
        """(id, uscc) of listings whose term is over."""
        stmt = (
            select(col(ListingRow.id), col(ListingRow.uscc))
            .where(
                col(ListingRow.status) == ListingStatus.LISTED.value,
                col(ListingRow.term_end) < today,
            )
            .order_by(col(ListingRow.term_end), col(ListingRow.id))
            .limit(limit)
        )
        return [(r.id, r.uscc) for r in self.session.execute(stmt)]


class RepairRepository(_Repository):
    row_type = RepairRow
    key = "id"

    def get(self, repair_id: str, *, for_update: bool = False) -> RepairApplication | None:
        row = self._load(repair_id, for_update)
        return None if row is None else self._domain(row)

    def _domain(self, row: RepairRow) -> RepairApplication:
        values = {name: getattr(row, name) for name in _REPAIR_FIELDS}
        values["status"] = RepairStatus(values["status"])
        values["evidence"] = list(values["evidence"])
        return RepairApplication(**values)

    def add(self, application: RepairApplication) -> None:
        values = {k: _plain(v) for k, v in asdict(application).items()}
        self._insert(application.id, RepairRow(**values))

    def save(self, application: RepairApplication) -> None:
        values = {k: _plain(v) for k, v in asdict(application).items() if k != "id"}
        self._store(application.id, values)

    def pending_for(self, record_id: str) -> RepairApplication | None:
        row = self.session.execute(
            select(RepairRow).where(
                col(RepairRow.record_id) == record_id,
                col(RepairRow.status) == RepairStatus.PENDING.value,
            )
        ).scalar_one_or_none()
        return None if row is None else self._domain(row)


class NoticeBook:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self, uscc: str, kind: str, subject_id: str, message: str, legal_basis: str | None = None
    ) -> None:
        self.session.add(
            NoticeRow(
                uscc=uscc,
                kind=kind,
                subject_id=subject_id,
                message=message,
                legal_basis=legal_basis,
                created_at=utcnow(),
            )
        )


class AppendOnlyLog:
    """Rows buffered during the use case and appended at commit under the log's append lock,
    so their ids become visible in commit order (readers page by id without gaps)."""

    def __init__(self, session: Session, lock_name: str) -> None:
        self.session = session
        self.lock_name = lock_name
        self._pending: list[Any] = []

    def flush(self) -> None:
        if not self._pending:
            return
        take_append_lock(self.session, self.lock_name)
        self.session.add_all(self._pending)
        self._pending = []


class DisclosureFeed(AppendOnlyLog):
    def __init__(self, session: Session) -> None:
        super().__init__(session, "disclosure_entry")

    def publish(self, entity: str, entity_id: str, uscc: str) -> None:
        self._append(entity, entity_id, uscc, "publish", None)

    def withdraw(self, entity: str, entity_id: str, uscc: str, reason: str) -> None:
        self._append(entity, entity_id, uscc, "withdraw", reason)

    def republish(self, entity: str, entity_id: str, uscc: str, reason: str) -> None:
        """A published item changed (under dispute, corrected, dispute rejected)."""
        self._append(entity, entity_id, uscc, "publish", reason)

    def _append(
        self, entity: str, entity_id: str, uscc: str, action: str, reason: str | None
    ) -> None:
        self._pending.append(
            DisclosureRow(
                entity=entity,
                entity_id=entity_id,
                uscc=uscc,
                action=action,
                reason=reason,
                occurred_at=utcnow(),
            )
        )


class ProfileChanges(AppendOnlyLog):
    def __init__(self, session: Session) -> None:
        super().__init__(session, "profile_change")
        self.usccs: set[str] = set()

    def record(self, uscc: str, change: str) -> None:
        self.usccs.add(uscc)
        self._pending.append(ProfileChangeRow(uscc=uscc, change=change, occurred_at=utcnow()))
