"""The credit service's HTTP API. Each route's docstring says who may call it."""

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic_core import to_json
from sqlalchemy.engine import Engine

from services.credit.adapters.orm import outbox
from services.credit.adapters.webhook_feed import DisclosureFeed
from services.credit.config import CreditSettings
from services.credit.domain import catalogue as cat
from services.credit.domain.catalogue import RemovalReason
from services.credit.domain.grading import GRADE_LABELS, RULE_TABLES
from services.credit.entrypoints import cross_region, transfers_api
from services.credit.entrypoints import schemas as s
from services.credit.entrypoints.cache import ProfileCache, profile_cache
from services.credit.entrypoints.openapi_examples import EXAMPLES as OPENAPI_EXAMPLES
from services.credit.service_layer import services, views
from services.credit.service_layer.commands import (
    AddRecord,
    ApplyForRepair,
    ProposeListing,
    RegisterEnterprise,
)
from services.credit.service_layer.services import Policy
from services.credit.service_layer.unit_of_work import CreditUnitOfWork
from shared.auth import Principal, Role
from shared.cache import cache_lifespan
from shared.calendar.metrics import CalendarGauge
from shared.clock import today_in_china
from shared.db import make_engine, retry_once
from shared.exceptions import Forbidden, InvalidInput, NotFound
from shared.uscc import normalise
from shared.uscc import validate as validate_uscc
from shared.web.app import create_app as create_service_app
from shared.web.auth import CurrentPrincipal, Enterprise, Regulator, require
from shared.web.problems import PROBLEM_RESPONSES
from shared.webhooks.api import webhook_router
from shared.webhooks.settings import webhook_settings

JSON = "application/json"


# Dependencies are ``async`` although they do no I/O: FastAPI runs a plain ``def`` dependency
# in the threadpool, a hop that costs more than the work.
async def get_engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


async def get_uow(request: Request) -> CreditUnitOfWork:
    return CreditUnitOfWork(request.app.state.engine, changed=request.app.state.cache.evict)


async def get_today(request: Request) -> date:
    return request.app.state.today()  # type: ignore[no-any-return]


async def get_policy(request: Request) -> Policy:
    return request.app.state.settings.policy  # type: ignore[no-any-return]


EngineDep = Annotated[Engine, Depends(get_engine)]
Uow = Annotated[CreditUnitOfWork, Depends(get_uow)]
Today = Annotated[date, Depends(get_today)]
PolicyDep = Annotated[Policy, Depends(get_policy)]
RegulatorOrEnterprise = Annotated[Principal, require(Role.REGULATOR, Role.ENTERPRISE)]
Cursor = Annotated[str | None, Query(max_length=200)]

public = APIRouter(tags=["public disclosure"], responses=PROBLEM_RESPONSES)
catalogue = APIRouter(tags=["catalogues"])
enterprises = APIRouter(tags=["credit files"], responses=PROBLEM_RESPONSES)
records = APIRouter(tags=["credit records"], responses=PROBLEM_RESPONSES)
listings = APIRouter(tags=["dishonesty list"], responses=PROBLEM_RESPONSES)
repairs = APIRouter(tags=["credit repair"], responses=PROBLEM_RESPONSES)


def _entitled(actor: Principal, uscc: str) -> bool:
    """The enterprise itself and regulators see the full file; everyone else the public view."""
    return actor.is_regulator or (actor.role is Role.ENTERPRISE and actor.uscc == uscc)


# -- public -------------------------------------------------------------------------------------
@public.get(
    "/public/enterprises/{uscc}",
    response_model=None,
    responses={200: {"model": s.ProfileOut}},
    summary="Public credit profile of an enterprise",
)
async def public_profile(uscc: str, request: Request) -> Response:
    """Anyone, no login. Risk grade, dishonesty-list status and the joint-punishment measures
    in force."""
    # The hot path: no dependencies (a sync dependency would cost a threadpool hop).
    cache: ProfileCache = request.app.state.cache
    uscc = normalise(uscc)
    hits, misses = cache.get_many([uscc])
    if misses:
        validate_uscc(uscc, legacy_codes=request.app.state.settings.policy.legacy_codes)
        hits = await run_in_threadpool(cache.load, misses)
    body = hits.get(uscc)
    if body is None:
        raise NotFound(f"no enterprise {uscc}", code="enterprise_not_found")
    return Response(body, media_type=JSON)


@public.get(
    "/public/enterprises/{uscc}/records",
    response_model=s.RecordPageOut,
    summary="Records of an enterprise in disclosure",
)
def public_records(
    uscc: str,
    engine: EngineDep,
    today: Today,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict:
    """Anyone, no login. Only records within their publication period; natural persons'
    names masked, identity numbers never shown."""
    with engine.connect() as conn:
        return views.public_records(conn, normalise(uscc), today, cursor, limit)


@public.get(
    "/public/disclosures",
    response_model=None,
    responses={200: {"model": s.FeedPageOut}},
    summary="Disclosure feed",
)
def disclosure_feed(
    request: Request,
    today: Today,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response:
    """Anyone (credit-disclosure portals). Publish and withdraw entries in commit order; keep
    the returned cursor and ask again. Delete what a withdraw entry names."""
    read = request.app.state.cache.read_engine  # one round trip, no transaction around it

    def page_of_feed() -> dict:
        with read.connect() as conn:
            return views.feed(conn, cursor=cursor, limit=limit, today=today)

    page = retry_once(page_of_feed)
    # serialised directly: validating 100 nested items against the response model would cost
    # more than the query (the model above documents the shape; tests check it)
    return Response(to_json(page), media_type=JSON)


@public.get(
    "/public/dishonesty-list",
    response_model=s.ListingPageOut,
    summary="The list of serious violators in force",
)
def public_list(
    engine: EngineDep,
    today: Today,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict:
    """Anyone, no login. Listings in force with reasons, legal basis, term and measures."""
    with engine.connect() as conn:
        return views.dishonesty_list(conn, today, cursor, limit)


# -- catalogues ---------------------------------------------------------------------------------
@catalogue.get("/catalogue/record-classes", summary="Record classes and publication periods")
async def record_classes() -> list[dict]:
    """Anyone. Each class's publication period (the period runs from the decision date), its
    allowed severities and whether credit repair applies."""
    return [
        {
            "code": c.code,
            "kind": c.kind.value,
            "name": c.name,
            "name_zh": c.name_zh,
            "publication_period": {
                "length": c.publication.length,
                "unit": c.publication.unit,
                "counting": c.publication.counting,
            },
            "severities": [v.value for v in c.severities],
            "repairable": c.repairable,
        }
        for c in cat.RECORD_CLASSES.values()
    ]


@catalogue.get("/catalogue/sectors", summary="Sectors and minimum publication before repair")
async def sectors() -> dict:
    """Anyone. How long a record must have been published before repair may be applied for."""
    return {
        code: {"length": p.length, "unit": p.unit, "counting": p.counting}
        for code, p in cat.SECTORS.items()
    }


@catalogue.get("/catalogue/measures", response_model=list[s.MeasureOut], summary="Measures")
async def measures() -> list[dict]:
    """Anyone. Joint-punishment measures with legal basis and the enforcing service."""
    return [views.measure_view(code) for code in cat.MEASURES]


@catalogue.get("/catalogue/risk-rules", summary="Risk-grade rule tables")
async def risk_rules() -> dict:
    """Anyone. Every rule-table version with its rules; grades name the version used."""
    return {
        "current": services.CURRENT_RULES.version,
        "grades": {g.value: label for g, label in GRADE_LABELS.items()},
        "tables": [
            {
                "version": t.version,
                "summary": t.summary,
                "points": {k.value: v for k, v in t.points.items()},
                "listed_grade": t.listed_grade.value,
                "thresholds": [{"grade": g.value, "min_score": m} for g, m in t.thresholds],
                "default": t.default.value,
            }
            for t in RULE_TABLES.values()
        ],
    }


@catalogue.get("/catalogue/categories", summary="Categories of credit subjects")
async def categories() -> list[str]:
    """Anyone."""
    return [c.value for c in cat.Category]


# -- enterprises and credit files ---------------------------------------------------------------
@enterprises.post(
    "/enterprises", status_code=201, response_model=s.EnterpriseOut, summary="Register"
)
def register_enterprise(
    body: s.EnterpriseIn, actor: Regulator, uow: Uow, policy: PolicyDep
) -> dict:
    """Regulators, for enterprises in their jurisdiction."""
    e = services.register_enterprise(uow, RegisterEnterprise(**body.model_dump()), actor, policy)
    return {
        "uscc": e.uscc,
        "name": e.name,
        "category": e.category.value,
        "region_code": e.region_code,
    }


@enterprises.get(
    "/enterprises/{uscc}",
    response_model=s.CreditFileOut,
    summary="A credit file, in the view the caller is entitled to",
)
def credit_file(
    uscc: str,
    actor: CurrentPrincipal,
    engine: EngineDep,
    today: Today,
    purpose: cross_region.AccessPurpose,
) -> dict:
    """Anyone. The enterprise itself and regulators of its region get the full file (all
    records, listings with objections, repair applications, grade history); a regulator of
    another region only with an `X-Access-Purpose` header (or `?purpose=`), and the read is
    audited (GET /audit/cross-region-reads); everyone else the public view."""
    uscc = normalise(uscc)
    with engine.connect() as conn:
        region = views.region_of_file(conn, uscc)
        if cross_region.full_file_allowed(conn, actor, uscc, region, purpose):
            view = views.credit_file(conn, uscc, today)
        else:
            view = views.public_file(conn, uscc, today)
    if view is None:
        raise NotFound(f"no enterprise {uscc}", code="enterprise_not_found")
    return view


@enterprises.get("/enterprises/{uscc}/notices", response_model=list[s.NoticeOut], summary="Notices")
def notices(
    uscc: str, actor: RegulatorOrEnterprise, engine: EngineDep, purpose: cross_region.AccessPurpose
) -> list[dict]:
    """The enterprise itself and regulators of its region (others with X-Access-Purpose,
    audited). What the enterprise was notified of, with reasons
    and legal basis."""
    uscc = normalise(uscc)
    with engine.connect() as conn:
        region = views.region_of_file(conn, uscc)
        if not cross_region.full_file_allowed(conn, actor, uscc, region, purpose):
            raise Forbidden("these are another enterprise's notices", code="not_your_file")
        return views.notices(conn, uscc)


# -- credit records -----------------------------------------------------------------------------
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
    record = services.add_record(uow, cmd, actor, today=today, policy=policy)
    return _record(engine, record.id, actor, today)


@records.get(
    "/records/{record_id}",
    response_model=s.FullRecordOut | s.PublicRecordOut,
    summary="A credit record",
)
def get_record(record_id: str, actor: CurrentPrincipal, engine: EngineDep, today: Today) -> dict:
    """Anyone. The enterprise concerned and regulators see it in full, always; everyone else
    sees it masked, and only while it is in disclosure."""
    return _record(engine, record_id, actor, today)


def _record(engine: Engine, record_id: str, actor: Principal, today: date) -> dict:
    with engine.connect() as conn:
        row = views.record_row(conn, record_id)
    if row is not None and _entitled(actor, row["uscc"]):
        return views.record_full(row, row["enterprise_name"], today)
    if row is None or not views.is_public(row, today):
        raise NotFound(f"no record {record_id} in disclosure", code="record_not_found")
    return views.record_public(row, row["enterprise_name"], row["operator_name"])


# -- the dishonesty list ------------------------------------------------------------------------
@listings.post(
    "/listings", status_code=201, response_model=s.FullListingOut, summary="Propose a listing"
)
def propose(
    body: s.ListingIn,
    actor: Regulator,
    uow: Uow,
    engine: EngineDep,
    today: Today,
    policy: PolicyDep,
) -> dict:
    """Regulators of the enterprise's region. Needs reasons, a legal basis, the records in
    force it rests on and the measures; the enterprise is notified and may object."""
    cmd = ProposeListing(
        uscc=body.uscc,
        reason=body.reason,
        legal_basis=body.legal_basis,
        basis_record_ids=body.basis_record_ids,
        measures=body.measures,
        term_years=body.term_years,
    )
    if body.indefinite:
        raise InvalidInput(
            "the rules give every listing a term",
            code="term_out_of_bounds",
            rule_version=policy.rules.version,
            source=policy.rules.term.source.cite(),
        )
    listing = services.propose_listing(uow, cmd, actor, today=today, policy=policy)
    return _listing(engine, listing.id, actor, today)


@listings.get("/listings", response_model=s.FullListingPageOut, summary="Listings")
def list_listings(
    actor: RegulatorOrEnterprise,
    engine: EngineDep,
    status: Annotated[str | None, Query(max_length=20)] = None,
    uscc: Annotated[str | None, Query(max_length=32)] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict:
    """Regulators see all listings at every stage; an enterprise its own."""
    if actor.role is Role.ENTERPRISE:
        uscc = actor.uscc
    with engine.connect() as conn:
        return views.listings(
            conn, uscc=uscc and normalise(uscc), status=status, cursor=cursor, limit=limit
        )


@listings.get(
    "/listings/{listing_id}",
    response_model=s.FullListingOut | s.PublicListingOut,
    summary="A listing",
)
def get_listing(listing_id: str, actor: CurrentPrincipal, engine: EngineDep, today: Today) -> dict:
    """Anyone. The enterprise concerned and regulators see every stage; everyone else sees a
    listing only while it is in force."""
    return _listing(engine, listing_id, actor, today)


def _listing(engine: Engine, listing_id: str, actor: Principal, today: date) -> dict:
    with engine.connect() as conn:
        row = views.listing_row(conn, listing_id)
        names = views.case_names(conn, [row["uscc"]])[row["uscc"]] if row else []
    if row is not None and _entitled(actor, row["uscc"]):
        return views.listing_full(row, row["enterprise_name"])
    if row is None or not views.listing_in_force(row, today):
        raise NotFound(f"no listing {listing_id} in force", code="listing_not_found")
    return views.listing_public(row, row["enterprise_name"], row["operator_name"], names)


@listings.post(
    "/listings/{listing_id}/objection", response_model=s.FullListingOut, summary="Object"
)
def object_to(
    listing_id: str,
    body: s.ObjectionIn,
    actor: Enterprise,
    uow: Uow,
    engine: EngineDep,
    today: Today,
    policy: PolicyDep,
) -> dict:
    """The enterprise concerned, within the objection window, once; it may ask for a hearing
    where the rules give one."""
    services.file_objection(
        uow,
        listing_id,
        body.statement,
        body.evidence,
        actor,
        today=today,
        hearing_requested=body.hearing_requested,
        policy=policy,
    )
    return _listing(engine, listing_id, actor, today)


@listings.post(
    "/listings/{listing_id}/objection-decision",
    response_model=s.FullListingOut,
    summary="Decide an objection",
)
def decide_objection(
    listing_id: str,
    body: s.ObjectionDecisionIn,
    actor: Regulator,
    uow: Uow,
    engine: EngineDep,
    today: Today,
) -> dict:
    """Regulators of the enterprise's region. Upheld: the proposal is withdrawn. Rejected:
    the listing may be confirmed."""
    services.decide_objection(uow, listing_id, body.upheld, body.reason, actor, today=today)
    return _listing(engine, listing_id, actor, today)


@listings.post("/listings/{listing_id}/confirm", response_model=s.FullListingOut, summary="List")
def confirm(listing_id: str, actor: Regulator, uow: Uow, engine: EngineDep, today: Today) -> dict:
    """Regulators of the enterprise's region, after the objection window (or once an
    objection was rejected). Publishes the listing and applies its measures."""
    services.confirm_listing(uow, listing_id, actor, today=today)
    return _listing(engine, listing_id, actor, today)


@listings.post("/listings/{listing_id}/removal", response_model=s.FullListingOut, summary="Remove")
def remove(
    listing_id: str,
    body: s.RemovalIn,
    actor: Regulator,
    uow: Uow,
    engine: EngineDep,
    today: Today,
) -> dict:
    """Regulators of the enterprise's region, when the decision the listing rests on was
    annulled. Lifts the measures and withdraws the listing from disclosure."""
    services.remove_listing(
        uow, listing_id, RemovalReason(body.reason), actor, today=today, note=body.note
    )
    return _listing(engine, listing_id, actor, today)


# -- credit repair ------------------------------------------------------------------------------
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
    application = services.apply_for_repair(
        uow,
        ApplyForRepair(body.record_id, body.commitment, body.evidence),
        actor,
        today=today,
        policy=policy,
    )
    return _repair(engine, application.id, actor)


@repairs.get("/repairs", response_model=s.RepairPageOut, summary="Repair applications")
def list_repairs(
    actor: RegulatorOrEnterprise,
    engine: EngineDep,
    status: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict:
    """Regulators see all applications; an enterprise its own."""
    uscc = actor.uscc if actor.role is Role.ENTERPRISE else None
    with engine.connect() as conn:
        return views.repairs(conn, uscc=uscc, status=status, cursor=cursor, limit=limit)


@repairs.get("/repairs/{repair_id}", response_model=s.RepairOut, summary="A repair application")
def get_repair(repair_id: str, actor: RegulatorOrEnterprise, engine: EngineDep) -> dict:
    """The applicant enterprise and regulators."""
    return _repair(engine, repair_id, actor)


def _repair(engine: Engine, repair_id: str, actor: Principal) -> dict:
    with engine.connect() as conn:
        row = views.repair_row(conn, repair_id)
    if row is None or not _entitled(actor, row["uscc"]):
        raise NotFound(f"no repair application {repair_id}", code="repair_not_found")
    return dict(row)


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
    services.decide_repair(uow, repair_id, body.approved, body.reason, actor, today=today)
    return _repair(engine, repair_id, actor)


# -- the app ------------------------------------------------------------------------------------
def create_app(
    settings: CreditSettings | None = None,
    engine: Engine | None = None,
    *,
    today: Callable[[], date] | None = None,
) -> FastAPI:
    """``today`` pins the legal date (tests); by default the date in China Standard Time."""
    settings = settings or CreditSettings()
    engine = engine or make_engine(settings.database_url)
    clock = today or today_in_china
    settings.policy  # noqa: B018 - load the calendar file now: a bad file fails at startup
    cache = profile_cache(engine, settings.cache_mb, clock)
    # issue 12 routes; imported here because they use this module's dependencies
    from services.credit.entrypoints.api_process import hearing_routes, person_disputes
    from services.credit.entrypoints.api_rules import (
        dispute_routes,
        proposal_gauges,
        queue,
        removal,
        rules,
    )

    app = create_service_app(
        settings=settings,
        engine=engine,
        outbox=outbox,
        title="Enterprise credit",
        description="Credit files, risk grades, the list of serious violators with due process, "
        "credit repair and public disclosure for regulators, enterprises and portals.",
        lifespan=cache_lifespan(cache, settings.cache_refresh_seconds),
        extra_state={"cache": cache, "today": clock},
        openapi_examples=OPENAPI_EXAMPLES,
        collectors=(
            proposal_gauges(engine, clock),
            CalendarGauge(settings.service_name, settings.calendar_source),
        ),
    )
    for router in (
        public,
        catalogue,
        rules,
        enterprises,
        cross_region.router,
        transfers_api.router,
        records,
        listings,
        removal,
        repairs,
        queue,
        person_disputes,
        dispute_routes,
        hearing_routes,
    ):
        app.include_router(router)
    app.include_router(webhook_router(DisclosureFeed(), webhook_settings(settings, "CREDIT_")))
    return app


def main() -> None:
    from shared.web.serve import serve

    serve("services.credit.entrypoints.api:create_app", CreditSettings())


if __name__ == "__main__":
    main()
