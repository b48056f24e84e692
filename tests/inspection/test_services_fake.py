"""Service-layer use cases against in-memory fakes of the repositories (no database)."""

import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.inspection.adapters.orm import TaskRow
from services.inspection.domain.model import (
    CheckType,
    FailedItem,
    Outcome,
    Plan,
    Result,
    Sampling,
    Scope,
    Stratum,
)
from services.inspection.domain.model import RiskClass as RC
from services.inspection.service_layer import enterprise_facts, results
from services.inspection.service_layer.commands import RecordResult
from services.inspection.service_layer.unit_of_work import new_uuids, uuid_strings
from shared.auth import AuthorityLevel
from shared.exceptions import Conflict, Forbidden, NotFound
from tests.inspection.conftest import HZ, ZJ, principal

T0 = datetime(2026, 11, 1, tzinfo=UTC)
TODAY = date(2026, 11, 22)


class FakeMirror:
    def __init__(self) -> None:
        self.risks: dict[str, Any] = {}
        self.measures: dict[str, Any] = {}
        self.certificates: dict[str, Any] = {}

    def risk(self, uscc: str, for_update: bool = False) -> Any:
        return self.risks.get(uscc)

    def measure(self, listing_id: str, for_update: bool = False) -> Any:
        return self.measures.get(listing_id)

    def certified(self, number: str) -> Any:
        return self.certificates.get(number)

    def add(self, row: Any) -> None:
        if hasattr(row, "risk_class"):
            self.risks[row.uscc] = row
        elif hasattr(row, "listing_id"):
            self.measures[row.listing_id] = row
        else:
            self.certificates[row.certificate_number] = row


class FakePlans:
    def __init__(self, *plans: Plan) -> None:
        self.plans = {p.id: p for p in plans}

    def get(self, plan_id: str, for_update: bool = False) -> Plan | None:
        return self.plans.get(plan_id)


@dataclass
class FakeTasks:
    tasks: dict[str, TaskRow] = field(default_factory=dict)
    claims: set[str] = field(default_factory=set)

    def get(self, task_id: str, for_update: bool = False) -> TaskRow | None:
        return self.tasks.get(task_id)

    def release_claim(self, task_id: str) -> None:
        self.claims.discard(task_id)

    def set_status(self, task_id: str, status: str, published_at: datetime | None = None) -> None:
        self.tasks[task_id].status = status


@dataclass
class FakeResults:
    results: dict[str, Result] = field(default_factory=dict)
    history: list[tuple[str, str]] = field(default_factory=list)

    def get(self, task_id: str, for_update: bool = False) -> Result | None:
        return self.results.get(task_id)

    def add(self, result: Result) -> None:
        self.results[result.task_id] = result

    save = add

    def add_check_record(self, task: TaskRow, plan: Plan, result: Result, unit: dict) -> None:
        self.history.append((task.unit_id, result.outcome.value))


class FakeRosters:
    def unit(self, unit_id: str) -> dict:
        return {"enterprise_name": "Acme", "product_name": "Kettle", "model": "K-1"}


@dataclass
class FakeDisclosure:
    drawn_on: date = date(2026, 11, 1)
    samplings: dict[str, Any] = field(default_factory=dict)

    def draw_date(self, draw_id: str) -> date:
        return self.drawn_on

    def sampling(self, task_id: str) -> Any:
        return self.samplings.get(task_id)

    def add_sampling(self, row: Any) -> None:
        self.samplings[row.task_id] = row


class FakeUnitOfWork:
    def __init__(self, plans: FakePlans | None = None, tasks: FakeTasks | None = None) -> None:
        self.mirror = FakeMirror()
        self.disclosure = FakeDisclosure()
        self.plans = plans or FakePlans()
        self.tasks = tasks or FakeTasks()
        self.results = FakeResults()
        self.rosters = FakeRosters()
        self.events: list[Any] = []
        self.committed = 0

    def __enter__(self) -> "FakeUnitOfWork":
        self._pending: list[Any] = []
        return self

    def __exit__(self, *exc: object) -> None:
        self._pending = []

    def emit(self, payload: Any, *, subject: str) -> None:
        self._pending.append(payload)

    def commit(self) -> None:
        self.events += self._pending
        self.committed += 1


def plan() -> Plan:
    return Plan(
        id="p1",
        name="n",
        authority_level=AuthorityLevel.PROVINCIAL,
        department="ZJAMR",
        region_code="330000",
        check_type=CheckType.SUPERVISORY_SPOT_CHECK,
        scope=Scope(),
        sampling=Sampling(weights={RC.A: 1}, strata=(Stratum((RC.A,), size=1),)),
        team_size=2,
        cross_region_teams=False,
        inspector_cooldown_days=0,
        period_start=TODAY,
        period_end=TODAY,
    )


def uow_with_task() -> FakeUnitOfWork:
    task = TaskRow(
        id="t1",
        draw_id="d1",
        plan_id="p1",
        unit_id="U1",
        enterprise_uscc="91330100MA00000072",
        product_category="toys",
        region_code="330100",
        stratum=0,
        rank=1,
        inspectors=["I1", "I2"],
        lab_id="L1",
        status="assigned",
        assigned_at=T0,
    )
    return FakeUnitOfWork(FakePlans(plan()), FakeTasks({"t1": task}, {"t1"}))


def test_risk_class_keeps_the_newest_event() -> None:
    uow = FakeUnitOfWork()
    assert enterprise_facts.set_enterprise_risk_class(uow, "X", "C", "e2", T0 + timedelta(hours=1))
    assert not enterprise_facts.set_enterprise_risk_class(uow, "X", "A", "e1", T0)
    assert enterprise_facts.set_enterprise_risk_class(uow, "X", "D", "e3", T0 + timedelta(hours=2))
    row = uow.mirror.risks["X"]
    assert (row.risk_class, row.source_event_id) == ("D", "e3") and uow.committed == 2


def test_dishonesty_measures_are_applied_once_and_lifted_once() -> None:
    uow = FakeUnitOfWork()
    assert enterprise_facts.apply_dishonesty_measure(uow, "X", "L1", "weight", "e1", T0)
    assert not enterprise_facts.apply_dishonesty_measure(uow, "X", "L1", "weight", "e1", T0)
    assert enterprise_facts.lift_dishonesty_measure(uow, "L1", "e2", T0)
    assert not enterprise_facts.lift_dishonesty_measure(uow, "L1", "e2", T0)
    assert (
        uow.mirror.measures["L1"].active is False
        and uow.mirror.measures["L1"].lifted_event_id == "e2"
    )


def test_a_pass_ends_the_running_check_and_enters_the_history() -> None:
    uow = uow_with_task()
    results.record_result(
        uow, "t1", RecordResult(Outcome.PASS, TODAY), principal(ZJ), 15, today=TODAY
    )
    assert uow.tasks.claims == set() and uow.tasks.tasks["t1"].status == "final"
    assert uow.results.history == [("U1", "pass")]
    assert [e.EVENT_TYPE for e in uow.events] == [
        "inspection.result.recorded",
        "inspection.result.finalised",
    ]


def test_a_failure_keeps_the_check_running_until_final() -> None:
    uow = uow_with_task()
    cmd = RecordResult(Outcome.FAIL, TODAY, [FailedItem("Marking")])
    results.record_result(uow, "t1", cmd, principal(ZJ), 15, today=TODAY)
    assert uow.tasks.claims == {"t1"} and uow.results.history == []
    with pytest.raises(Conflict):
        results.record_result(uow, "t1", cmd, principal(ZJ), 15, today=TODAY)


def test_only_the_plans_authority_records_results() -> None:
    uow = uow_with_task()
    with pytest.raises(Forbidden):
        results.record_result(
            uow, "t1", RecordResult(Outcome.PASS, TODAY), principal(HZ), 15, today=TODAY
        )
    with pytest.raises(NotFound):
        results.record_result(
            uow, "nope", RecordResult(Outcome.PASS, TODAY), principal(ZJ), 15, today=TODAY
        )
    assert uow.events == []


def test_bulk_uuid_strings_equal_the_uuid_module() -> None:
    raw = bytes(range(256)) * 2 + os.urandom(16 * 50)
    expected = [str(uuid.UUID(bytes=raw[i : i + 16], version=4)) for i in range(0, len(raw), 16)]
    assert uuid_strings(raw) == expected
    fresh = new_uuids(1000)
    assert len(set(fresh)) == 1000
    assert {uuid.UUID(u).version for u in fresh} == {4}
    assert {uuid.UUID(u).variant for u in fresh} == {uuid.RFC_4122}
