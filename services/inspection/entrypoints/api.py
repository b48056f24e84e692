"""The inspection service's HTTP API. Each route's docstring says who may call it."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic_core import to_json
from sqlalchemy.engine import Connection, Engine

from services.inspection.adapters.orm import outbox
from services.inspection.adapters.repository import read_snapshot_units
from services.inspection.config import InspectionSettings
from services.inspection.domain import hierarchy
from services.inspection.domain.model import FailedItem
from services.inspection.entrypoints import (
    draw_inputs_api,
    outside_checks_api,
    publicity_api,
    roster_history_api,
)
from services.inspection.entrypoints import schemas as s
from services.inspection.entrypoints import schemas_disclosure as s_disclosure
from services.inspection.entrypoints.metrics import OverdueGauge
from services.inspection.service_layer import (
    disclosure,
    disclosure_views,
    hierarchy_views,
    publication_deadlines,
    results_procedure,
    services,
    unit_keys,
    views,
)
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.auth import Principal, Role
from shared.calendar import WorkingCalendar
from shared.calendar.metrics import CalendarGauge
from shared.calendar.source import CalendarSource
from shared.clock import today_in_china
from shared.db import make_engine
from shared.exceptions import InvalidInput, NotFound
from shared.web.app import create_app as create_service_app
from shared.web.auth import CurrentPrincipal, Enterprise, Regulator
from shared.web.problems import PROBLEM_RESPONSES
from shared.workdays import WorkdayCalendar

JSON = "application/json"


def get_engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


def get_uow(request: Request) -> InspectionUnitOfWork:
    uow = InspectionUnitOfWork(request.app.state.engine)
    uow.hierarchy = hierarchy.POLICIES[request.app.state.settings.hierarchy_policy]
    uow.contributions_required = request.app.state.settings.draw_contributions_required
    return uow


def get_settings(request: Request) -> InspectionSettings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_calendar(request: Request) -> WorkingCalendar:
    return request.app.state.calendar_source.current()  # type: ignore[no-any-return]


EngineDep = Annotated[Engine, Depends(get_engine)]
Uow = Annotated[InspectionUnitOfWork, Depends(get_uow)]
Settings = Annotated[InspectionSettings, Depends(get_settings)]
Calendar = Annotated[WorkingCalendar, Depends(get_calendar)]
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=500)]

public = APIRouter(tags=["public: draws and results"], responses=PROBLEM_RESPONSES)
rosters = APIRouter(tags=["rosters"], responses=PROBLEM_RESPONSES)
plans = APIRouter(tags=["plans and draws"], responses=PROBLEM_RESPONSES)
tasks = APIRouter(tags=["tasks and results"], responses=PROBLEM_RESPONSES)


def _json(data: object, status: int = 200) -> Response:
    return Response(to_json(data), status_code=status, media_type=JSON)


# -- public ----------------------------------------------------------------------------------------
@public.get("/public/policies", summary="Eligibility policy versions")
def list_policies(engine: EngineDep) -> list[dict]:
    """Anyone. The six-month rule and its overrides, every version ever in force."""
    with engine.connect() as conn:
        return views.policies(conn)


@public.get(
    "/public/snapshots/{snapshot_id}",
    response_model=s_disclosure.PublicSnapshotOut,
    summary="A committed snapshot",
)
def get_snapshot(snapshot_id: str, engine: EngineDep) -> dict:
    """Anyone, no login. The snapshot hash and seed commitment, published before the draw."""
    with engine.connect() as conn:
        return disclosure_views.snapshot_public(conn, snapshot_id, today_in_china())


@public.get(
    "/public/snapshots/{snapshot_id}/document",
    response_class=Response,
    responses={200: {"content": {JSON: {}}, "description": "canonical snapshot bytes"}},
    summary="The snapshot document (canonical JSON)",
)
def get_snapshot_document(snapshot_id: str, engine: EngineDep) -> Response:
    """Anyone, no login, from the day after the plan's sampling period (403 not_yet_public
    before). The frozen eligible roster in its canonical serialisation: its SHA-256 is the
    published snapshot hash. Save it as a file for the offline verifier."""
    with engine.connect() as conn:
        disclosure_views.require_document_public(conn, snapshot_id, today_in_china())
        header = views.snapshot_header(conn, snapshot_id)
        body = views.snapshot_document(conn, header, read_snapshot_units(conn, snapshot_id))
    return Response(body, media_type=JSON)


@public.get(
    "/public/snapshots/{snapshot_id}/exclusions",
    response_model=s_disclosure.ExclusionsPage,
    summary="Exclusions",
)
def get_exclusions(
    snapshot_id: str, engine: EngineDep, cursor: Cursor = None, limit: Limit = 200
) -> dict:
    """Anyone, no login. Each unit in the plan's scope that was not eligible: the rule and the
    earlier check that caused it; those caused by another plan's task that is not public yet
    are withheld (counted in ``withheld_count``)."""
    with engine.connect() as conn:
        return disclosure_views.exclusions(
            conn, snapshot_id, today_in_china(), cursor=cursor, limit=limit
        )


@public.get("/public/draws/{draw_id}", summary="A draw")
def get_draw(draw_id: str, engine: EngineDep) -> dict:
    """Anyone, no login. The revealed seed, the hashes committed before, the commitment to the
    selection, public late exclusions and whether a later re-draw (with its reason) superseded
    it. Which units were drawn is not shown here (see the verification record)."""
    with engine.connect() as conn:
        return disclosure_views.draw_public(conn, draw_id, today_in_china())


@public.get("/public/draws/{draw_id}/verification", summary="Draw record for offline verification")
def get_verification(draw_id: str, engine: EngineDep) -> Response:
    """Anyone, no login. Until the day after the plan's sampling period: the salted leaves
    of the selection and the entries whose sampling is recorded (``disclosure: partial``);
    then the whole record. Save as draw.json and run
    ``python -m services.inspection.verify draw.json --snapshot snapshot.json``."""
    with engine.connect() as conn:
        return _json(disclosure_views.verification_bundle(conn, draw_id, today_in_china()))


@public.get("/public/claim-events", response_model=s.Page, summary="Claims ended without result")
def get_claim_events(
    engine: EngineDep,
    plan_id: Annotated[str | None, Query(max_length=36)] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> dict:
    """Anyone, no login. Tasks withdrawn (with the reason), taken over by a higher level's
    check, or whose claim expired at the end of the sampling period; the unit and task are
    named once the task is public."""
    with engine.connect() as conn:
        return hierarchy_views.claim_events(
            conn, today_in_china(), plan_id=plan_id, cursor=cursor, limit=limit
        )


@public.get("/public/hierarchy-policy", summary="Which running checks block which levels")
def get_hierarchy_policy(settings: Settings) -> dict:
    """Anyone. The rule in force, with its legal source."""
    return hierarchy.POLICIES[settings.hierarchy_policy].as_doc()


@public.get("/public/results", response_model=s.Page, summary="Published results")
def get_published_results(
    engine: EngineDep,
    plan_id: Annotated[str | None, Query(max_length=36)] = None,
    uscc: Annotated[str | None, Query(max_length=18)] = None,
    outcome: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> dict:
    """Anyone, no login ("一公开"). Final results once published; inspectors' names masked."""
    with engine.connect() as conn:
        return views.published_results(
            conn,
            plan_id=plan_id,
            uscc=uscc and uscc.upper(),
            outcome=outcome,
            cursor=cursor,
            limit=limit,
        )


# -- rosters ---------------------------------------------------------------------------------------
async def _csv(request: Request, settings: InspectionSettings) -> str:
    body = await request.body()
    if len(body) > settings.max_import_bytes:
        raise HTTPException(413, f"uploads are limited to {settings.max_import_bytes} bytes")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the file must be UTF-8 encoded CSV", code="invalid_encoding") from None


_CSV_BODY = {
    "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}
}


@rosters.post(
    "/rosters/units/import",
    response_model=s.ImportOut,
    openapi_extra=_CSV_BODY,
    summary="Import inspection units (CSV)",
)
async def import_units(request: Request, actor: Regulator, uow: Uow, settings: Settings) -> dict:
    """Regulators, for units in their jurisdiction. Columns: enterprise_uscc, enterprise_name,
    product_name, model, industry, product_category, region_code, risk_class. All rows or none:
    any bad row gives 422 with every row's problems."""
    text = await _csv(request, settings)
    return (await run_in_threadpool(services.import_units, uow, text, actor)).__dict__


@rosters.post(
    "/rosters/inspectors/import",
    response_model=s.ImportOut,
    openapi_extra=_CSV_BODY,
    summary="Import inspectors (CSV)",
)
async def import_inspectors(
    request: Request, actor: Regulator, uow: Uow, settings: Settings
) -> dict:
    """Regulators, for inspectors in their jurisdiction. Columns: inspector_id, name,
    department, region_code, qualifications, expertise, conflicts (lists separated by ';')."""
    text = await _csv(request, settings)
    return (await run_in_threadpool(services.import_inspectors, uow, text, actor)).__dict__


@rosters.post(
    "/rosters/labs/import",
    response_model=s.ImportOut,
    openapi_extra=_CSV_BODY,
    summary="Import testing labs (CSV)",
)
async def import_labs(request: Request, actor: Regulator, uow: Uow, settings: Settings) -> dict:
    """Regulators. Columns: lab_id, name, region_code, accredited_categories, conflicts."""
    text = await _csv(request, settings)
    return (await run_in_threadpool(services.import_labs, uow, text, actor)).__dict__


@rosters.post("/rosters/unit-aliases", status_code=201, summary="Add a product/model alias")
def add_unit_alias(body: s_disclosure.AliasIn, actor: Regulator, uow: Uow) -> dict:
    """Regulators. Later imports treat ``alias`` as ``canonical`` (both normalised), for one
    enterprise or every one; 422 alias_merges_enterprises for anything but product_name or
    model, 409 alias_chain / alias_conflict."""
    return unit_keys.add_alias(
        uow, body.field, body.alias, body.canonical, body.reason, actor, body.enterprise_uscc
    )


@rosters.get("/rosters/unit-aliases", summary="The alias table")
def list_unit_aliases(actor: Regulator, uow: Uow) -> list[dict]:
    """Regulators."""
    return unit_keys.list_aliases(uow)


# -- policy and plans ------------------------------------------------------------------------------
@plans.post("/policies", status_code=201, summary="New eligibility policy version")
def add_policy(body: s.PolicyIn, actor: Regulator, uow: Uow) -> dict:
    """National regulators only. Versions are append-only; a snapshot records the version it
    applied."""
    doc = body.model_dump(mode="json", exclude={"effective_from"})
    return {"version": services.add_policy(uow, doc, body.effective_from, actor)}


@plans.post("/plans", status_code=201, summary="Create a spot-check plan")
def create_plan(
    body: s.PlanIn,
    actor: Regulator,
    uow: Uow,
    engine: EngineDep,
    calendar: Calendar,
    settings: Settings,
) -> dict:
    """Regulators; the plan belongs to the caller's authority (level, department, region)."""
    plan_id = services.create_plan(
        uow, body.command(), actor, calendar, settings.publication_workdays
    )
    with engine.connect() as conn:
        return views.plan_view(conn, plan_id)


@plans.get("/plans", response_model=s.Page, summary="Plans in your jurisdiction")
def list_plans(
    actor: Regulator, engine: EngineDep, cursor: Cursor = None, limit: Limit = 100
) -> dict:
    """Regulators: plans of their region (their own and lower authorities')."""
    with engine.connect() as conn:
        return views.list_plans(conn, actor, cursor=cursor, limit=limit)


def _visible_plan(conn: Connection, plan_id: str, actor: Principal) -> None:
    row = views.plan_row(conn, plan_id)
    if not actor.covers_region(row.region_code):
        raise NotFound(f"no plan {plan_id} in your jurisdiction", code="plan_not_found")


@plans.get("/plans/{plan_id}", summary="A plan with its snapshots, draws and task counts")
def get_plan(plan_id: str, actor: Regulator, engine: EngineDep) -> dict:
    """Regulators whose jurisdiction covers the plan's region."""
    with engine.connect() as conn:
        _visible_plan(conn, plan_id, actor)
        return views.plan_view(conn, plan_id)


@plans.post(
    "/plans/{plan_id}/snapshots",
    status_code=201,
    response_model=s.SnapshotOut,
    summary="Freeze the eligible roster and commit to a seed",
)
def commit_snapshot(plan_id: str, actor: Regulator, uow: Uow, engine: EngineDep) -> dict:
    """The plan's authority. Publishes the snapshot hash and the seed commitment; the seed stays
    secret until the draw. Exclusions (six-month rule, running checks) are recorded."""
    snapshot_id = services.commit_snapshot(uow, plan_id, actor)
    with engine.connect() as conn:
        return views.snapshot_public(conn, snapshot_id)


@plans.post("/snapshots/{snapshot_id}/draw", status_code=201, summary="Draw (reveal the seed)")
def draw(snapshot_id: str, body: s.DrawIn, actor: Regulator, uow: Uow, engine: EngineDep) -> dict:
    """The plan's authority. Draws units, teams and labs; 409 when too few inspectors or labs
    are eligible, when another authority took a unit at the same moment (draw again), or when
    the plan has a draw already and no redraw_reason is given."""
    draw_id = services.make_draw(uow, snapshot_id, actor, body.redraw_reason)
    with engine.connect() as conn:
        return views.draw_public(conn, draw_id)


@plans.get("/plans/{plan_id}/tasks", response_model=s.Page, summary="A plan's tasks")
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
        return views.plan_tasks(conn, plan_id, status=status, cursor=cursor, limit=limit)


@plans.post("/plans/{plan_id}/publication", summary="Publish the plan's final results")
def publish(plan_id: str, actor: Regulator, uow: Uow) -> dict:
    """The plan's authority. Publishes every final, unpublished result ("一公开")."""
    return {"published": services.publish_results(uow, plan_id, actor)}


@plans.get("/regulator/publications/overdue", summary="Overdue publications")
def overdue(
    actor: Regulator,
    engine: EngineDep,
    today: Annotated[date | None, Query(description="defaults to today in China")] = None,
) -> dict:
    """Regulators: plans in their region whose results were not published within 20 working
    days of the check's end, and those whose deadline is unknown (calendar year not covered)."""
    with engine.connect() as conn:
        return views.overdue_publications(conn, actor, today or today_in_china())


@plans.get("/regulator/publications/overdue-results", summary="Overdue results")
def overdue_results(
    actor: Regulator,
    engine: EngineDep,
    today: Annotated[date | None, Query(description="defaults to today in China")] = None,
) -> dict:
    """Regulators: final results in their region not published within 20 working days of
    becoming final (each result's own deadline)."""
    with engine.connect() as conn:
        return publication_deadlines.overdue_results(conn, actor, today or today_in_china())


# -- tasks and results -----------------------------------------------------------------------------
@tasks.get("/tasks/{task_id}", summary="A task with its result")
def get_task(task_id: str, actor: CurrentPrincipal, engine: EngineDep) -> dict:
    """Regulators covering the plan's region (full view), or the inspected enterprise (its own
    task; inspectors' names masked). Anyone else: 404."""
    with engine.connect() as conn:
        owner = views.task_owner(conn, task_id)
        if owner is not None:
            plan_id, uscc = owner
            if actor.is_regulator and actor.covers_region(
                views.plan_row(conn, plan_id).region_code
            ):
                return views.task_view(conn, task_id, internal=True)
            if (
                actor.role is Role.ENTERPRISE
                and actor.uscc == uscc
                and disclosure_views.enterprise_may_see(conn, task_id, today_in_china())
            ):
                return views.task_view(conn, task_id, internal=False)
    raise NotFound(f"no task {task_id} of yours", code="task_not_found")


@tasks.get("/my/tasks", response_model=s.Page, summary="Your enterprise's tasks")
def my_tasks(
    actor: Enterprise, engine: EngineDep, cursor: Cursor = None, limit: Limit = 100
) -> dict:
    """Enterprises: the spot-check tasks and results of their own products, from the moment
    sampling is recorded (checks are not announced in advance)."""
    with engine.connect() as conn:
        return disclosure_views.enterprise_tasks(
            conn, actor.uscc or "", today_in_china(), cursor=cursor, limit=limit
        )


@tasks.post("/tasks/{task_id}/result", status_code=201, summary="Record a result")
def record_result(
    task_id: str,
    body: s.ResultIn,
    actor: Regulator,
    uow: Uow,
    engine: EngineDep,
    settings: Settings,
    calendar: Calendar,
) -> dict:
    """The plan's authority. pass / fail (with failed items) / refused / not_found. A failure is
    provisional through the objection and re-test window (calendar days, a last day on a rest
    day moves to the next working day)."""
    services.record_result(
        uow,
        task_id,
        body.command(),
        actor,
        settings.objection_window_days,
        calendar=calendar,
    )
    with engine.connect() as conn:
        return views.task_view(conn, task_id, internal=True)


@tasks.post("/tasks/{task_id}/sampling", status_code=201, summary="Record sampling")
def record_sampling(
    task_id: str, body: s_disclosure.SamplingIn, actor: Regulator, uow: Uow, engine: EngineDep
) -> dict:
    """The plan's authority, once samples were taken (not before the draw, not in the future).
    From then on the task is public: its entry of the draw's selection and the enterprise's
    view. A result recorded without this records the sampling with it."""
    disclosure.record_sampling(uow, task_id, body.sampled_on, actor)
    with engine.connect() as conn:
        return views.task_view(conn, task_id, internal=True)


@tasks.post("/tasks/{task_id}/result/receipt", status_code=201, summary="Record receipt")
def record_receipt(task_id: str, body: s_disclosure.ReceiptIn, actor: Regulator, uow: Uow) -> dict:
    """The plan's authority: the day the enterprise received a failed result. The re-test
    window becomes 15 days from receipt (Civil Code counting); 422 receipt_before_sampling."""
    return results_procedure.record_receipt(uow, task_id, body.received_on, actor)


@tasks.post("/tasks/{task_id}/result/retest-lab", status_code=201, summary="Draw the re-test lab")
def draw_retest_lab(task_id: str, actor: Regulator, uow: Uow) -> dict:
    """The plan's authority, after an objection: a lab other than the first, drawn verifiably
    from the plan's draw seed (``retest-lab-v2``, see ``domain/retest.py``)."""
    return results_procedure.draw_retest_lab(uow, task_id, actor)


@public.get("/public/tasks/{task_id}/retest-lab", summary="A re-test lab draw")
def get_retest_lab(task_id: str, engine: EngineDep) -> dict:
    """Anyone, once the task is public: the candidates, the seed and the lab drawn."""
    with engine.connect() as conn:
        return results_procedure.public_retest_lab(conn, task_id, today_in_china())


@tasks.post("/tasks/{task_id}/result/objection", summary="Object to a failed result")
def object_to_result(
    task_id: str, body: s.ReasonIn, actor: Enterprise, uow: Uow, engine: EngineDep
) -> dict:
    """The inspected enterprise, within the objection window of a provisional failure."""
    services.object_to_result(uow, task_id, body.reason, actor)
    with engine.connect() as conn:
        return views.task_view(conn, task_id, internal=False)


@tasks.post("/tasks/{task_id}/result/retest", summary="Record the re-test result")
def record_retest(
    task_id: str, body: s.RetestIn, actor: Regulator, uow: Uow, engine: EngineDep
) -> dict:
    """The plan's authority, after an objection. The re-test result is final."""
    items = [FailedItem(**f.model_dump()) for f in body.failed_items]
    services.record_retest(uow, task_id, body.outcome, items, actor)
    with engine.connect() as conn:
        return views.task_view(conn, task_id, internal=True)


@tasks.post("/tasks/{task_id}/cancel", summary="Withdraw a task without result")
def cancel_task(
    task_id: str, body: s.ReasonIn, actor: Regulator, uow: Uow, engine: EngineDep
) -> dict:
    """The plan's authority, with a reason (e.g. the enterprise closed down). Frees the unit."""
    services.cancel_task(uow, task_id, body.reason, actor)
    with engine.connect() as conn:
        return views.task_view(conn, task_id, internal=True)


# -- the app ---------------------------------------------------------------------------------------
def load_calendar(settings: InspectionSettings) -> CalendarSource:
    """Official tables from the table directory (``qp-calendar load``) and the legacy JSON file."""
    legacy = (
        WorkdayCalendar.from_file(settings.workday_calendar_file).tables.values()
        if settings.workday_calendar_file
        else ()
    )
    return CalendarSource(settings.calendar_tables_dir, tuple(legacy))


def create_app(settings: InspectionSettings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or InspectionSettings()
    engine = engine or make_engine(settings.database_url)
    calendars = load_calendar(settings)
    app = create_service_app(
        settings=settings,
        engine=engine,
        outbox=outbox,
        title="Random inspections (双随机、一公开)",
        description="Rosters, spot-check plans, verifiable random draws of units, inspectors and "
        "labs under the six-month no-repeat rule, results and their publication.",
        extra_state={"calendar_source": calendars},
        collectors=(OverdueGauge(engine), CalendarGauge(settings.service_name, calendars)),
        body_limits={
            ("POST", "/rosters/{kind}/import"): settings.max_import_bytes,
            **{("POST", path): settings.max_import_bytes for path in outside_checks_api.PATHS},
        },
    )
    for router in (
        public,
        publicity_api.router,
        rosters,
        roster_history_api.router,
        outside_checks_api.router,
        plans,
        tasks,
        draw_inputs_api.router,
    ):
        app.include_router(router)
    return app


def main() -> None:
    from shared.web.serve import serve

    serve("services.inspection.entrypoints.api:create_app", InspectionSettings())


if __name__ == "__main__":
    main()
