"""A result's publication deadline is stored whatever calendar data it rests on: one that
reaches into a year without an official working-day table carries a combined calendar version
(official + provisional + lunar), which once overflowed the column on PostgreSQL."""

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from services.inspection.adapters.orm_results import ResultDeadlineRow
from services.inspection.service_layer import publication_deadlines
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from tests.inspection.conftest import create_plan, draw, freeze, tasks_of
from tests.support import table_of


def test_a_deadline_reaching_into_a_provisional_year_is_stored(
    client: TestClient, roster: list[str], as_zj: dict[str, str], engine: Engine
) -> None:
    plan_id = create_plan(client, as_zj)
    draw(client, as_zj, freeze(client, as_zj, plan_id)["id"])
    task_id = tasks_of(client, as_zj, plan_id)[0]["id"]
    finalised = datetime(2026, 12, 20, 4, tzinfo=UTC)  # 20 working days later is in 2027
    with InspectionUnitOfWork(engine) as uow:
        publication_deadlines.set_deadline(uow, task_id, finalised)
        uow.commit()
    with engine.connect() as conn:
        row = conn.execute(select(table_of(ResultDeadlineRow))).mappings().one()
    assert row["deadline"].year == 2027
    assert "+" in row["calendar_version"] and len(row["calendar_version"]) > 64
