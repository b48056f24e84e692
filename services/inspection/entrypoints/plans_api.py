"""Plan routes: the eligibility policy, plans, the freeze, the draw, publication and overdue
publications."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.engine import Connection

from services.inspection.entrypoints import schemas as s
from services.inspection.entrypoints import schemas_out as out
from services.inspection.entrypoints.dependencies import Calendar, Settings, Uow
from services.inspection.service_layer import (
    draws,
    overdue_views,
    plan_views,
    plans,
    publication_deadlines,
    results,
    snapshot_views,
    snapshots,
    task_views,
)
from shared.auth import Principal
from shared.clock import today_in_china
from shared.exceptions import NotFound
from shared.web.auth import Regulator
from shared.web.dependencies import EngineDep
from shared.web.pagination import Cursor, Limit
from shared.web.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["plans and draws"], responses=PROBLEM_RESPONSES)


@router.post(
    "/policies",
    response_model=out.PolicyCreatedOut,
    status_code=201,
    summary="New eligibility policy version",
)
def add_policy(body: s.PolicyIn, actor: Regulator, uow: Uow) -> dict:
    """National regulators only. Versions are append-only; a snapshot records the version it
    applied."""
    doc = body.model_dump(mode="json", exclude={"effective_from"})
    return {"version": plans.add_policy(uow, doc, body.effective_from, actor)}


@router.post(
    "/plans", response_model=out.PlanDetailOut, status_code=201, summary="Create a spot-check plan"
)
def create_plan(
    body: s.PlanIn,
    actor: Regulator,
    uow: Uow,
    engine: EngineDep,
    calendar: Calendar,
    settings: Settings,
) -> dict:
    """Regulators; the plan belongs to the caller's authority (level, department, region)."""
    plan_id = plans.create_plan(uow, body.command(), actor, calendar, settings.publication_workdays)
    with engine.connect() as conn:
        return plan_views.plan_view(conn, plan_id)


@router.get("/plans", response_model=out.PlanPage, summary="Plans in your jurisdiction")
def list_plans(
    actor: Regulator, engine: EngineDep, cursor: Cursor = None, limit: Limit = 100
) -> dict:
    """Regulators: plans of their region (their own and lower authorities')."""
    with engine.connect() as conn:
        return plan_views.list_plans(conn, actor, cursor=cursor, limit=limit)


def _visible_plan(conn: Connection, plan_id: str, actor: Principal) -> None:
    row = plan_views.plan_row(conn, plan_id)
    if not actor.covers_region(row.region_code):
        raise NotFound(f"no plan {plan_id} in your jurisdiction", code="plan_not_found")


@router.get(
    "/plans/{plan_id}",
    response_model=out.PlanDetailOut,
    summary="A plan with its snapshots, draws and task counts",
)
def get_plan(plan_id: str, actor: Regulator, engine: EngineDep) -> dict:
    """Regulators whose jurisdiction covers the plan's region."""
    with engine.connect() as conn:
        _visible_plan(conn, plan_id, actor)
        return plan_views.plan_view(conn, plan_id)


@router.post(
    "/plans/{plan_id}/snapshots",
    status_code=201,
    response_model=s.SnapshotOut,
    summary="Freeze the eligible roster and commit to a seed",
)
def commit_snapshot(plan_id: str, actor: Regulator, uow: Uow, engine: EngineDep) -> dict:
    """The plan's authority. Publishes the snapshot hash and the seed commitment; the seed stays
    secret until the draw. Exclusions (six-month rule, running checks) are recorded."""
    snapshot_id = snapshots.commit_snapshot(uow, plan_id, actor)
    with engine.connect() as conn:
        return snapshot_views.snapshot_public(conn, snapshot_id)


@router.post(
    "/snapshots/{snapshot_id}/draw",
    response_model=out.DrawOut,
    status_code=201,
    summary="Draw (reveal the seed)",
)
def draw(snapshot_id: str, body: s.DrawIn, actor: Regulator, uow: Uow, engine: EngineDep) -> dict:
    """The plan's authority. Draws units, teams and labs; 409 when too few inspectors or labs
    are eligible, when another authority took a unit at the same moment (draw again), or when
    the plan has a draw already and no redraw_reason is given."""
    draw_id = draws.make_draw(uow, snapshot_id, actor, body.redraw_reason)
    with engine.connect() as conn:
        return snapshot_views.draw_public(conn, draw_id)


@router.get(
    "/plans/{plan_id}/tasks",
    response_model=out.TaskPage,
    response_model_exclude_unset=True,
    summary="A plan's tasks",
)
def list_plan_tasks(
    plan_id: str,
    actor: Regulator,
    engine: EngineDep,
    status: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> dict:
    """Regulators whose jurisdiction covers the plan's region."""
    with engine.connect() as conn:
        _visible_plan(conn, plan_id, actor)
        return task_views.plan_tasks(conn, plan_id, status=status, cursor=cursor, limit=limit)


@router.post(
    "/plans/{plan_id}/publication",
    response_model=out.PublishedOut,
    summary="Publish the plan's final results",
)
def publish(plan_id: str, actor: Regulator, uow: Uow) -> dict:
    """The plan's authority. Publishes every final, unpublished result ("一公开")."""
    return {"published": results.publish_results(uow, plan_id, actor)}


@router.get(
    "/regulator/publications/overdue",
    response_model=out.OverduePlansOut,
    summary="Overdue publications",
)
def overdue(
    actor: Regulator,
    engine: EngineDep,
    today: Annotated[date | None, Query(description="defaults to today in China")] = None,
) -> dict:
    """Regulators: plans in their region whose results were not published within 20 working
    days of the check's end, and those whose deadline is unknown (calendar year not covered)."""
    with engine.connect() as conn:
        return overdue_views.overdue_publications(conn, actor, today or today_in_china())


@router.get(
    "/regulator/publications/overdue-results",
    response_model=out.OverdueResultsOut,
    summary="Overdue results",
)
def overdue_results(
    actor: Regulator,
    engine: EngineDep,
    today: Annotated[date | None, Query(description="defaults to today in China")] = None,
) -> dict:
    """Regulators: final results in their region not published within 20 working days of
    becoming final (each result's own deadline)."""
    with engine.connect() as conn:
        return publication_deadlines.overdue_results(conn, actor, today or today_in_china())
