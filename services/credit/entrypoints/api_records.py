"""Credit-record routes: adding a record and reading one."""

from datetime import date
from typing import Any

from fastapi import APIRouter
from sqlalchemy.engine import Engine

from services.credit.entrypoints import schemas as s
from services.credit.entrypoints.api_deps import (
    PolicyDep,
    Today,
    Uow,
)
from services.credit.service_layer import file_views
from services.credit.service_layer import records as record_cases
from services.credit.service_layer.commands import AddRecord
from shared.auth import Principal
from shared.web.auth import CurrentPrincipal, Regulator
from shared.web.dependencies import EngineDep
from shared.web.problems import PROBLEM_RESPONSES

records = APIRouter(tags=["credit records"], responses=PROBLEM_RESPONSES)


@records.post("/records", status_code=201, response_model=s.FullRecordOut, summary="Add a record")
def add_record(
    body: s.RecordIn,
    actor: Regulator,
    uow: Uow,
    engine: EngineDep,
    today: Today,
    policy: PolicyDep,
) -> dict:
    """Regulators, for enterprises in their jurisdiction; the department is taken from the
    token. The publication period follows from the record class."""
    cmd = AddRecord(
        **body.model_dump(exclude={"persons"}),
        persons=[p.model_dump(exclude_none=True) for p in body.persons],
        source_service="credit",
        source_department=actor.department or "",
    )
    record = record_cases.add_record(uow, cmd, actor, today=today, policy=policy)
    return record_view(engine, record.id, actor, today)


@records.get(
    "/records/{record_id}",
    response_model=s.FullRecordOut | s.PublicRecordOut,
    summary="A credit record",
)
def get_record(record_id: str, actor: CurrentPrincipal, engine: EngineDep, today: Today) -> dict:
    """Anyone. The enterprise concerned and regulators see it in full, always; everyone else
    sees it masked, and only while it is in disclosure."""
    return record_view(engine, record_id, actor, today)


def record_view(engine: Engine, record_id: str, actor: Principal, today: date) -> dict[str, Any]:
    with engine.connect() as conn:
        return file_views.record_for(conn, record_id, actor, today)
