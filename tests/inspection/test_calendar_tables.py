"""Loading an official table makes provisional publication deadlines official, records and
announces the ones that move. The 2027 table is TEST DATA, not the State Council's."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from devtools.testing.contracts import outbox_events
from services.inspection.adapters.orm import outbox
from services.inspection.config import InspectionSettings
from services.inspection.entrypoints.api import create_app, load_calendar
from services.inspection.service_layer.plans import refresh_deadlines
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.calendar.cli import main as qp_calendar
from shared.contracts.inspection import PlanDeadlineChangedV1
from shared.events import contracts
from tests.inspection.conftest import create_plan

TEST_TABLE = (
    Path(__file__).parents[1] / "shared" / "data" / "calendar-2027-TEST-DATA-not-official.csv"
)


def test_loading_a_table_recomputes_provisional_deadlines(
    roster: list[str],
    as_zj: dict[str, str],
    engine: Engine,
    settings: InspectionSettings,
    tmp_path: Path,
) -> None:
    tables = tmp_path / "calendar"
    configured = InspectionSettings(
        database_url=settings.database_url,
        environment="test",
        calendar_tables_dir=tables,
        draw_contributions_required=0,
    )
    with TestClient(create_app(configured, engine)) as client:
        spring = create_plan(client, as_zj, period_start="2027-01-04", period_end="2027-01-20")
        winter = create_plan(client, as_zj, period_start="2026-12-01", period_end="2026-12-20")
        later = create_plan(client, as_zj, period_start="2028-03-01", period_end="2028-06-30")
        before = client.get(f"/plans/{spring}", headers=as_zj).json()
        assert before["publication_deadline"] == "2027-02-23"
        assert before["publication_deadline_provenance"] == "provisional"
        assert before["deadline_changes"] == []

        assert (
            qp_calendar(["--dir", str(tables), "load", str(TEST_TABLE), "--allow-test-data"]) == 0
        )
        calendars = load_calendar(configured)
        uow = InspectionUnitOfWork(engine)
        assert refresh_deadlines(uow, calendars.current(), configured.publication_workdays) == 1
        assert refresh_deadlines(uow, calendars.current(), configured.publication_workdays) == 0

        after = client.get(f"/plans/{spring}", headers=as_zj).json()
        assert after["publication_deadline"] == "2027-02-24"  # 02-11, 02-12 off in the table
        assert after["publication_deadline_provenance"] == "official"
        assert "TEST-DATA" in after["publication_deadline_calendar_version"]
        [change] = after["deadline_changes"]
        assert (change["previous_deadline"], change["new_deadline"]) == ("2027-02-23", "2027-02-24")
        assert (change["previous_provenance"], change["new_provenance"]) == (
            "provisional",
            "official",
        )
        unmoved = client.get(f"/plans/{winter}", headers=as_zj).json()
        assert unmoved["publication_deadline"] == "2027-01-18"
        assert unmoved["publication_deadline_provenance"] == "official"
        assert unmoved["deadline_changes"] == []
        still = client.get(f"/plans/{later}", headers=as_zj).json()
        assert still["publication_deadline_provenance"] == "provisional"
        # the API reads the new table at once: a new plan's deadline is official
        fresh = create_plan(client, as_zj, period_start="2027-01-04", period_end="2027-01-20")
        view = client.get(f"/plans/{fresh}", headers=as_zj).json()
        assert (view["publication_deadline"], view["publication_deadline_provenance"]) == (
            "2027-02-24",
            "official",
        )
    announced = [
        e
        for e in outbox_events(engine, outbox.table)
        if e.event_type == PlanDeadlineChangedV1.EVENT_TYPE
    ]
    assert [e.subject for e in announced] == [spring]
    payload = contracts.parse(announced[0])
    assert isinstance(payload, PlanDeadlineChangedV1) and payload.new_provenance == "official"


def test_provisional_objection_deadline_of_a_failed_result_becomes_official(
    roster: list[str],
    as_zj: dict[str, str],
    engine: Engine,
    settings: InspectionSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import UTC, date, datetime

    from services.inspection.domain.model import FailedItem, Outcome
    from services.inspection.service_layer import results
    from services.inspection.service_layer.commands import RecordResult
    from services.inspection.service_layer.deadlines import refresh_objection_deadlines
    from tests.inspection.conftest import ZJ, draw, freeze, principal, tasks_of

    tables = tmp_path / "calendar"
    configured = InspectionSettings(
        database_url=settings.database_url,
        environment="test",
        calendar_tables_dir=tables,
        draw_contributions_required=0,
    )
    calendars = load_calendar(configured)
    with TestClient(create_app(configured, engine)) as client:
        plan_id = create_plan(client, as_zj)
        draw(client, as_zj, freeze(client, as_zj, plan_id)["id"])
        task = tasks_of(client, as_zj, plan_id)[0]
        monkeypatch.setattr(results, "utcnow", lambda: datetime(2027, 1, 25, 2, tzinfo=UTC))
        results.record_result(
            InspectionUnitOfWork(engine),
            task["id"],
            RecordResult(Outcome.FAIL, date(2027, 1, 20), [FailedItem("Labelling")]),
            principal(ZJ),
            15,
            today=date(2027, 1, 25),
            calendar=calendars.current(),
        )
        result = client.get(f"/tasks/{task['id']}", headers=as_zj).json()["result"]
        # 15 days end on 02-09, a provisional Spring Festival day off (02-05, 02-08..10): 02-11
        assert result["objection_deadline"] == "2027-02-11"
        assert result["objection_deadline_provenance"] == "provisional"
        uow = InspectionUnitOfWork(engine)
        assert refresh_objection_deadlines(uow, calendars.current(), 15) == 0

        assert (
            qp_calendar(["--dir", str(tables), "load", str(TEST_TABLE), "--allow-test-data"]) == 0
        )
        assert refresh_objection_deadlines(uow, calendars.current(), 15) == 1
        assert refresh_objection_deadlines(uow, calendars.current(), 15) == 0
        result = client.get(f"/tasks/{task['id']}", headers=as_zj).json()["result"]
        assert result["objection_deadline"] == "2027-02-15"  # 02-05..12 off in the test table
        assert result["objection_deadline_provenance"] == "official"
        [change] = client.get(f"/plans/{plan_id}", headers=as_zj).json()["deadline_changes"]
        assert (change["deadline_kind"], change["task_id"]) == ("objection", task["id"])
    [event] = [
        e
        for e in outbox_events(engine, outbox.table)
        if e.event_type == PlanDeadlineChangedV1.EVENT_TYPE
    ]
    assert event.subject == task["enterprise"]["uscc"]
