"""In-memory fakes of the credit unit of work and its repositories (no database, no mocks)."""

import copy
from collections.abc import Callable
from datetime import date
from typing import Any

from services.credit.domain.listing import Listing, ListingStatus
from services.credit.domain.model import Enterprise, GradeChange
from services.credit.domain.record import CreditRecord
from services.credit.domain.repair import RepairApplication, RepairStatus
from shared.events import EventPayload


class _Store:
    key: str

    def __init__(self) -> None:
        self.items: dict[str, Any] = {}

    def get(self, key: str, *, for_update: bool = False) -> Any:
        return self.items.get(key)

    def add(self, item: Any) -> None:
        self.items[getattr(item, self.key)] = item

    def save(self, item: Any) -> None:
        assert getattr(item, self.key) in self.items, "save() of an object never added"

    def owner_of(self, key: str) -> str | None:
        item = self.items.get(key)
        return None if item is None else item.uscc


class FakeEnterprises(_Store):
    key = "uscc"

    def __init__(self) -> None:
        super().__init__()
        self.grade_changes: list[GradeChange] = []

    def get(self, key: str, *, for_update: bool = False) -> Enterprise | None:
        return self.items.get(key)

    def record_grade_change(self, change: GradeChange) -> None:
        self.grade_changes.append(change)

    def graded_under_other_rules(self, version: str, limit: int) -> list[str]:
        return sorted(u for u, e in self.items.items() if e.grade_rule_version != version)[:limit]


class FakeRecords(_Store):
    key = "id"

    def by_source_event(self, event_id: str) -> CreditRecord | None:
        return next((r for r in self.items.values() if r.source_event_id == event_id), None)

    def in_force(self, uscc: str, today: date) -> list[CreditRecord]:
        return [r for r in self.items.values() if r.uscc == uscc and r.in_force(today)]

    def due_to_end(self, today: date, limit: int) -> list[tuple[str, str]]:
        due = [r for r in self.items.values() if r.disclosed and r.publication_until < today]
        due.sort(key=lambda r: (r.publication_until, r.id))
        return [(r.id, r.uscc) for r in due[:limit]]


class FakeListings(_Store):
    key = "id"

    def active_for(self, uscc: str, *, for_update: bool = False) -> list[Listing]:
        return [
            x
            for x in self.items.values()
            if x.uscc == uscc and x.status is not ListingStatus.REMOVED
        ]

    def due_to_end(self, today: date, limit: int) -> list[tuple[str, str]]:
        due = [x for x in self.items.values() if x.term_over(today)]
        return [(x.id, x.uscc) for x in sorted(due, key=lambda x: x.id)[:limit]]


class FakeRepairs(_Store):
    key = "id"

    def pending_for(self, record_id: str) -> RepairApplication | None:
        return next(
            (
                a
                for a in self.items.values()
                if a.record_id == record_id and a.status is RepairStatus.PENDING
            ),
            None,
        )


class FakeNotices:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(
        self, uscc: str, kind: str, subject_id: str, message: str, legal_basis: str | None = None
    ) -> None:
        self.items.append(
            {
                "uscc": uscc,
                "kind": kind,
                "subject_id": subject_id,
                "message": message,
                "legal_basis": legal_basis,
            }
        )


class FakeFeed:
    def __init__(self) -> None:
        self.entries: list[tuple[str, str, str, str, str | None]] = []

    def publish(self, entity: str, entity_id: str, uscc: str) -> None:
        self.entries.append(("publish", entity, entity_id, uscc, None))

    def withdraw(self, entity: str, entity_id: str, uscc: str, reason: str) -> None:
        self.entries.append(("withdraw", entity, entity_id, uscc, reason))


class FakeChanges:
    def __init__(self) -> None:
        self.entries: list[tuple[str, str]] = []
        self.usccs: set[str] = set()

    def record(self, uscc: str, change: str) -> None:
        self.usccs.add(uscc)
        self.entries.append((uscc, change))


class FakeAuthorityBook:
    """The natural keys of records, as services.credit AuthorityBook."""

    def __init__(self, uow: "FakeUnitOfWork") -> None:
        self._uow = uow  # records are restored on rollback: always read the current store

    def record_by_decision(self, department: str, decision_number: str, uscc: str) -> str | None:
        for r in self._uow.records.items.values():
            if (r.source_department, r.decision_number, r.uscc) == (
                department,
                decision_number,
                uscc,
            ) and not getattr(r, "source_event_id", None):
                return str(r.id)
        return None


class FakeUnitOfWork:
    """Same surface as CreditUnitOfWork. Leaving without commit restores the state as it was
    on entry, so a failed use case leaves nothing behind, as a rolled-back transaction would."""

    _STATE = ("enterprises", "records", "listings", "repairs", "notices", "disclosures", "changes")

    def __init__(self) -> None:
        self.enterprises = FakeEnterprises()
        self.records = FakeRecords()
        self.listings = FakeListings()
        self.repairs = FakeRepairs()
        self.notices = FakeNotices()
        self.disclosures = FakeFeed()
        self.changes = FakeChanges()
        self.authority = FakeAuthorityBook(self)
        self.events: list[tuple[str, EventPayload]] = []
        self.commits = 0
        self._pending: list[tuple[str, EventPayload]] = []
        self._after: list[Callable[[], Any]] = []

    def __enter__(self) -> "FakeUnitOfWork":
        self._snapshot = copy.deepcopy({name: getattr(self, name) for name in self._STATE})
        self._committed = False
        self._pending, self._after = [], []
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._committed:
            for name, value in self._snapshot.items():
                setattr(self, name, value)
        self._pending, self._after = [], []

    def emit(self, payload: EventPayload, *, subject: str) -> None:
        self._pending.append((subject, payload))

    def after_commit(self, callback: Callable[[], Any]) -> None:
        self._after.append(callback)

    def commit(self) -> None:
        self.events += self._pending
        self._pending = []
        self._committed = True
        self.commits += 1
        for callback in self._after:
            callback()
        self._snapshot = copy.deepcopy({name: getattr(self, name) for name in self._STATE})

    def rollback(self) -> None:
        self._pending = []

    def event_types(self) -> list[str]:
        return [p.EVENT_TYPE for _, p in self.events]

    def of_type(self, cls: type) -> list[Any]:
        return [p for _, p in self.events if isinstance(p, cls)]
