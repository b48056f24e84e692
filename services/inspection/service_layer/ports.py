"""What some inspection use cases need from a unit of work, as Protocols.

The mirror of other services' facts (risk classes, dishonesty measures, certificates) and the
recording of results are typed against these, not the SQL unit of work, so the in-memory fakes
of the unit tests satisfy the same type as ``InspectionUnitOfWork``. The rest of the service
layer reads tables a fake cannot stand in for (snapshots, draws) and keeps the SQL type.
Repositories are read-only properties here because a protocol's plain attributes are
invariant: a fake's ``FakeTasks`` would not match ``tasks: TaskStore``.
"""

from datetime import date, datetime
from typing import Any, Protocol, Self

from services.inspection.adapters.orm import (
    CertifiedProductRow,
    DishonestyMeasureRow,
    EnterpriseRiskRow,
    TaskRow,
)
from services.inspection.adapters.orm_disclosure import TaskSamplingRow
from services.inspection.domain.model import Plan, Result
from shared.events import EventPayload


class MirrorStore(Protocol):
    def risk(self, uscc: str, *, for_update: bool = False) -> EnterpriseRiskRow | None: ...
    def measure(
        self, listing_id: str, *, for_update: bool = False
    ) -> DishonestyMeasureRow | None: ...
    def certified(self, number: str) -> CertifiedProductRow | None: ...
    def add(self, row: Any) -> None: ...


class PlanStore(Protocol):
    def get(self, plan_id: str, *, for_update: bool = False) -> Plan | None: ...


class TaskStore(Protocol):
    def get(self, task_id: str, *, for_update: bool = False) -> TaskRow | None: ...
    def release_claim(self, task_id: str) -> None: ...
    def set_status(
        self, task_id: str, status: str, published_at: datetime | None = None
    ) -> None: ...


class ResultStore(Protocol):
    def add(self, result: Result) -> None: ...
    def add_check_record(
        self, task: TaskRow, plan: Plan, result: Result, unit: dict[str, Any]
    ) -> None: ...


class UnitStore(Protocol):
    def unit(self, unit_id: str) -> dict[str, Any] | None: ...


class SamplingStore(Protocol):
    def draw_date(self, draw_id: str) -> date: ...
    def sampling(self, task_id: str) -> TaskSamplingRow | None: ...
    def add_sampling(self, row: TaskSamplingRow) -> None: ...


class Transaction(Protocol):
    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...
    # the SQL unit of work returns the envelope it queued; no use case here reads it
    def emit(self, payload: EventPayload, *, subject: str) -> object: ...
    def commit(self) -> None: ...


class MirrorWork(Transaction, Protocol):
    """Applies another service's fact to the local mirror, once per source event."""

    @property
    def mirror(self) -> MirrorStore: ...


class PlanWork(Transaction, Protocol):
    @property
    def plans(self) -> PlanStore: ...


class SamplingWork(Transaction, Protocol):
    @property
    def disclosure(self) -> SamplingStore: ...


class ResultWork(PlanWork, SamplingWork, Protocol):
    """Records a laboratory result against its task (and its sampling, for disclosure)."""

    @property
    def tasks(self) -> TaskStore: ...
    @property
    def results(self) -> ResultStore: ...
    @property
    def rosters(self) -> UnitStore: ...
