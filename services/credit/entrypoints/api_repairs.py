"""Credit-repair routes: applying, deciding and reading repair applications."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.engine import Engine

from services.credit.entrypoints import schemas as s
from services.credit.entrypoints.api_deps import (
    PolicyDep,
    RegulatorOrEnterprise,
    SmallLimit,
    Today,
    Uow,
)
from services.credit.service_layer import file_views
from services.credit.service_layer import repairs as repair_cases
from services.credit.service_layer.commands import ApplyForRepair
from shared.auth import Principal, Role
from shared.web.auth import Enterprise, Regulator
from shared.web.dependencies import EngineDep
from shared.web.pagination import Cursor
from shared.web.problems import PROBLEM_RESPONSES

repairs = APIRouter(tags=["credit repair"], responses=PROBLEM_RESPONSES)


@repairs.post("/repairs", status_code=201, response_model=s.RepairOut, summary="Apply for repair")
def apply_for_repair(
    body: s.RepairIn,
    actor: Enterprise,
    uow: Uow,
    engine: EngineDep,
    today: Today,
    policy: PolicyDep,
) -> dict:
    """The enterprise concerned, for its own record, after the minimum publication period
    (6 months; 1 year for food, drugs and special equipment), with commitment and evidence."""
    application = repair_cases.apply_for_repair(
        uow,
        ApplyForRepair(body.record_id, body.commitment, body.evidence),
        actor,
        today=today,
        policy=policy,
    )
    return repair_view(engine, application.id, actor)


@repairs.get("/repairs", response_model=s.RepairPageOut, summary="Repair applications")
def list_repairs(
    actor: RegulatorOrEnterprise,
    engine: EngineDep,
    status: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Cursor = None,
    limit: SmallLimit = 50,
) -> dict:
    """Regulators see all applications; an enterprise its own."""
    uscc = actor.uscc if actor.role is Role.ENTERPRISE else None
    with engine.connect() as conn:
        return file_views.repairs(conn, uscc=uscc, status=status, cursor=cursor, limit=limit)


@repairs.get("/repairs/{repair_id}", response_model=s.RepairOut, summary="A repair application")
def get_repair(repair_id: str, actor: RegulatorOrEnterprise, engine: EngineDep) -> dict:
    """The applicant enterprise and regulators."""
    return repair_view(engine, repair_id, actor)


@repairs.post(
    "/repairs/{repair_id}/decision", response_model=s.RepairOut, summary="Decide a repair"
)
def decide_repair(
    repair_id: str,
    body: s.RepairDecisionIn,
    actor: Regulator,
    uow: Uow,
    engine: EngineDep,
    today: Today,
) -> dict:
    """Regulators of the enterprise's region, with reasons. Approval ends the record's public
    disclosure at once and removes a listing that rested on it."""
    repair_cases.decide_repair(uow, repair_id, body.approved, body.reason, actor, today=today)
    return repair_view(engine, repair_id, actor)


def repair_view(engine: Engine, repair_id: str, actor: Principal) -> dict[str, Any]:
    with engine.connect() as conn:
        return file_views.repair_for(conn, repair_id, actor)
