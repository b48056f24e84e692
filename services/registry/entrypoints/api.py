"""The registry's HTTP API. Each route's docstring says who may call it."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic_core import to_json
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col

from services.registry.adapters.orm import BodyRow, cross_region_reads, outbox
from services.registry.adapters.webhook_feed import ChangeFeed
from services.registry.config import RegistrySettings
from services.registry.domain.model import AccreditationStatus
from services.registry.domain.numbers import canonical_number
from services.registry.domain.reasons import ACCREDITATION_REASONS, REASON_CODES, Action
from services.registry.domain.schemes import CATALOGUE
from services.registry.entrypoints import governance_api
from services.registry.entrypoints import schemas as s
from services.registry.entrypoints import schemas_out as o
from services.registry.entrypoints.cache import (
    VerificationCache,
    rendered_with_status,
    verification_cache,
)
from services.registry.entrypoints.forgery_signals import NotFoundTracker
from services.registry.entrypoints.labs_api import router as lab_routes
from services.registry.entrypoints.lifecycle_api import router as lifecycle
from services.registry.entrypoints.openapi_examples import EXAMPLES as OPENAPI_EXAMPLES
from services.registry.entrypoints.personnel_api import router as personnel_routes
from services.registry.entrypoints.supervision_api import client_of
from services.registry.entrypoints.supervision_api import router as supervision
from services.registry.service_layer import governance, services, views
from services.registry.service_layer.commands import IssueCertificate, RegisterBody
from services.registry.service_layer.governance import authorise_accreditation_change
from services.registry.service_layer.unit_of_work import RegistryUnitOfWork
from shared.auth import Principal, Role
from shared.auth.authority import Power, authorise
from shared.cache import cache_lifespan
from shared.clock import today_in_china
from shared.db import make_engine, table_of
from shared.exceptions import NotFound
from shared.search_terms import check_search_term
from shared.web.app import create_app as create_service_app
from shared.web.auth import AnyUser, CertificationBody, CurrentPrincipal, Regulator, require
from shared.web.cross_region import AccessPurpose, audit_router, regulator_may_read_full
from shared.web.dependencies import EngineDep
from shared.web.problems import PROBLEM_RESPONSES
from shared.webhooks.api import webhook_router
from shared.webhooks.settings import webhook_settings

JSON = "application/json"


def get_uow(request: Request) -> RegistryUnitOfWork:
    return RegistryUnitOfWork(request.app.state.engine)


def get_cache(request: Request) -> VerificationCache:
    return request.app.state.cache  # type: ignore[no-any-return]


Uow = Annotated[RegistryUnitOfWork, Depends(get_uow)]
Cache = Annotated[VerificationCache, Depends(get_cache)]

public = APIRouter(tags=["public verification"], responses=PROBLEM_RESPONSES)
bodies = APIRouter(tags=["certification bodies"], responses=PROBLEM_RESPONSES)
certificates = APIRouter(tags=["certificates"], responses=PROBLEM_RESPONSES)
catalogue = APIRouter(tags=["catalogues"])


# -- public ------------------------------------------------------------------------------------
@public.get(
    "/public/certificates/{number}",
    response_model=None,
    responses={200: {"model": s.PublicCertificateOut}},
    summary="Verify one certificate",
)
async def verify_one(number: str, request: Request) -> Response:
    """Anyone, no login. Status, holder, scheme, scope, validity, the issuing body and its
    accreditation, and joint-punishment measures against the holder."""
    cache: VerificationCache = request.app.state.cache
    number = canonical_number(number)
    record = (await cache.fetch([number])).get(number)
    if record is None:
        request.app.state.not_found.record(client_of(request), [number])
        raise NotFound(f"no certificate numbered {number}", code="certificate_not_found")
    return Response(rendered(record), media_type=JSON)


def rendered(record: dict) -> bytes:
    return rendered_with_status(record)[1]


@public.post(
    "/public/certificates/verify",
    response_model=None,
    responses={200: {"model": s.BulkVerifyOut}},
    summary="Verify up to 1000 certificates",
)
async def verify_bulk(body: s.BulkVerifyIn, cache: Cache, request: Request) -> Response:
    """Anyone, no login. Each number is reported found (with its status) or not found;
    numbers match in any case, with stray spaces or in full-width characters."""
    canonical = [canonical_number(n) for n in body.numbers]
    hits = await cache.fetch(canonical)
    # Assembled from the memoised per-certificate JSON: 1000 views are not re-encoded.
    parts = []
    missing = []
    for number, key in zip(body.numbers, canonical, strict=True):
        record = hits.get(key)
        head = to_json({"number": number, "found": record is not None})[:-1]
        if record is None:
            missing.append(key)
            parts.append(head + b"}")
        else:
            status, view = rendered_with_status(record)
            parts.append(head + b',"status":' + to_json(status) + b',"certificate":' + view + b"}")
    if missing:
        request.app.state.not_found.record(client_of(request), missing)
    return Response(b'{"items":[' + b",".join(parts) + b"]}", media_type=JSON)


@public.get(
    "/public/certificates",
    response_model=s.CertificatePageOut,
    summary="Search certificates by holder",
)
def search_public(
    engine: EngineDep,
    holder_uscc: Annotated[str | None, Query(max_length=18)] = None,
    holder_name: Annotated[str | None, Query(min_length=2, max_length=200)] = None,
    scheme: Annotated[str | None, Query(max_length=32)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict:
    """Anyone, no login. Needs holder_uscc or holder_name; pages with an opaque cursor."""
    if not holder_uscc and not holder_name:
        from shared.exceptions import InvalidInput

        raise InvalidInput("give holder_uscc or holder_name", code="search_criteria_required")
    if holder_name:
        holder_name = check_search_term(holder_name)
    with engine.connect() as conn:
        return views.search(
            conn,
            holder_uscc=holder_uscc and holder_uscc.upper(),
            holder_name=holder_name,
            body_id=None,
            scheme=scheme,
            status=status,
            cursor=cursor,
            limit=limit,
            today=today_in_china(),
        )


@public.get("/public/changes", response_model=s.ChangePageOut, summary="Change feed")
def change_feed(
    engine: EngineDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict:
    """Anyone (credit and certification portals). Every change to certificates, bodies and
    holders' joint-punishment status, in order; keep the returned cursor and ask again."""
    with engine.connect() as conn:
        return views.changes(conn, cursor=cursor, limit=limit)


@public.get(
    "/public/statistics", response_model=o.StatisticsOut, summary="Certification statistics"
)
def public_statistics(engine: EngineDep) -> dict:
    """Anyone. Counts of certificates and certified enterprises by status, scheme and region."""
    with engine.connect() as conn:
        return views.statistics(conn)


# -- catalogues ---------------------------------------------------------------------------------
@catalogue.get(
    "/schemes", response_model=list[o.CatalogueSchemeOut], summary="Certification schemes"
)
async def list_schemes() -> list[dict]:
    """Anyone. The catalogue of schemes certificates can be issued under."""
    return [
        {
            "code": sc.code,
            "name": sc.name,
            "name_zh": sc.name_zh,
            "kind": sc.kind,
            "compulsory": sc.compulsory,
            "max_validity_years": sc.max_validity_years,
        }
        for sc in CATALOGUE.values()
    ]


@catalogue.get("/reason-codes", response_model=o.ReasonCodesOut, summary="Reason codes")
async def list_reason_codes() -> dict:
    """Anyone. Reason codes accepted for each certificate action and accreditation change."""
    return {
        "certificate": {a.value: codes for a, codes in REASON_CODES.items()},
        "accreditation": ACCREDITATION_REASONS,
    }


# -- bodies -------------------------------------------------------------------------------------
def _body_out(row: BodyRow) -> dict:
    return s.BodyOut.model_validate(row, from_attributes=True).model_dump()


@bodies.post(
    "/bodies", status_code=201, response_model=s.BodyOut, summary="Register a certification body"
)
def register_body(body: s.BodyIn, actor: Regulator, uow: Uow, engine: EngineDep) -> dict:
    """National regulators only (approval of certification bodies is a national power)."""
    authorise(actor, Power.APPROVE_BODY)
    services.register_body(uow, RegisterBody(**body.model_dump()), actor)
    return _get_body(engine, body.id)


@bodies.get("/bodies", response_model=list[s.BodyOut], summary="List certification bodies")
def list_bodies(engine: EngineDep) -> list[dict]:
    """Anyone. Bodies with their accreditation status (public information)."""
    with engine.connect() as conn:
        rows = conn.execute(select(BodyRow).order_by(col(BodyRow.id))).all()
    return [_body_out(BodyRow.model_validate(r._mapping)) for r in rows]


@bodies.get("/bodies/{body_id}", response_model=s.BodyOut, summary="One certification body")
def get_body(body_id: str, engine: EngineDep) -> dict:
    """Anyone."""
    return _get_body(engine, body_id)


def _get_body(engine: Engine, body_id: str) -> dict:
    with engine.connect() as conn:
        row = conn.execute(select(table_of(BodyRow)).where(col(BodyRow.id) == body_id)).first()
    if row is None:
        raise NotFound(f"no certification body {body_id}", code="body_not_found")
    return _body_out(BodyRow.model_validate(row._mapping))


@bodies.post(
    "/bodies/{body_id}/accreditation",
    response_model=s.BodyOut,
    summary="Change a body's accreditation",
    responses={202: {"description": "Withdrawal proposed; waits for a second regulator"}},
)
def change_accreditation(
    body_id: str,
    change: s.AccreditationIn,
    actor: Regulator,
    uow: Uow,
    engine: EngineDep,
    cache: Cache,
) -> Any:
    """National regulators only. active <-> suspended at once; withdrawn (final) is proposed
    here (202) and takes effect when a second national regulator approves it."""
    authorise_accreditation_change(actor, change.status)
    if change.status is AccreditationStatus.WITHDRAWN:
        proposal = governance.propose_withdrawal(
            uow, body_id, change.reason_code, change.reason, actor
        )
        body = {"body": _get_body(engine, body_id), "withdrawal": proposal}
        return JSONResponse(jsonable_encoder(body), status_code=202)
    services.change_accreditation(
        uow, body_id, change.status, change.reason_code, change.reason, actor
    )
    cache.clear()
    return _get_body(engine, body_id)


# -- certificates -------------------------------------------------------------------------------
def _command(c: s.CertificateIn) -> IssueCertificate:
    return IssueCertificate(**c.model_dump())


@certificates.post(
    "/certificates",
    status_code=201,
    response_model=s.FullCertificateOut,
    summary="Issue a certificate",
)
def issue(
    cert: s.CertificateIn, actor: CertificationBody, uow: Uow, engine: EngineDep, cache: Cache
) -> dict:
    """Certification bodies only, for themselves; the body must be active and approved for
    the scheme, and the holder must not be barred by joint punishment."""
    cert = cert.model_copy(update={"number": canonical_number(cert.number)})
    services.issue_certificate(uow, _command(cert), actor)
    cache.evict([cert.number])
    return _full(engine, cert.number)


@certificates.post(
    "/certificates/{number}/renew",
    status_code=201,
    response_model=s.FullCertificateOut,
    summary="Renew (replace) a certificate",
)
def renew(
    number: str,
    body: s.RenewIn,
    actor: CertificationBody,
    uow: Uow,
    engine: EngineDep,
    cache: Cache,
) -> dict:
    """The issuing body only. Issues the successor and marks this certificate replaced."""
    number = canonical_number(number)
    successor = body.successor.model_copy(
        update={"number": canonical_number(body.successor.number)}
    )
    body = body.model_copy(update={"successor": successor})
    services.renew_certificate(uow, number, _command(body.successor), body.reason_code, actor)
    cache.evict([number, body.successor.number])
    return _full(engine, body.successor.number)


def _transition_route(action: Action, who: str) -> None:
    roles = (
        (Role.CERTIFICATION_BODY, Role.REGULATOR)
        if action in services.REGULATOR_ACTIONS
        else (Role.CERTIFICATION_BODY,)
    )

    def route(
        number: str,
        body: s.TransitionIn,
        uow: Uow,
        engine: EngineDep,
        cache: Cache,
        request: Request,
        actor: Principal = require(*roles),
    ) -> dict:
        number = canonical_number(number)
        rules = request.app.state.settings.lifecycle_rules
        services.change_status(uow, number, action, body.reason_code, body.reason, actor, rules)
        cache.evict([number])
        return _full(engine, number)

    route.__doc__ = f"{who}. Reason codes: GET /reason-codes. Illegal transitions get 409."
    certificates.add_api_route(
        f"/certificates/{{number}}/{action.value}",
        route,
        methods=["POST"],
        response_model=s.FullCertificateOut,
        summary=f"{action.value.capitalize()} a certificate",
        name=f"{action.value}_certificate",
    )


_transition_route(Action.SUSPEND, "The issuing body, or a regulator of the holder's region")
_transition_route(Action.RESTORE, "The issuing body only")
_transition_route(Action.REVOKE, "The issuing body, or a regulator of the holder's region")
_transition_route(
    Action.CANCEL, "The issuing body only (on the holder's surrender; also while suspended)"
)


@certificates.get(
    "/certificates/{number}",
    response_model=s.FullCertificateOut | s.PublicCertificateOut,
    summary="A certificate, in the view the caller is entitled to",
)
def get_certificate(
    number: str, actor: CurrentPrincipal, engine: EngineDep, purpose: AccessPurpose
) -> dict:
    """Anyone. The issuing body, the holder and regulators whose jurisdiction covers the
    holder's region get the full view with signer details and history; a regulator of another
    region only with a stated purpose (`X-Access-Purpose` header or `?purpose=`), and the read
    is audited (GET /audit/cross-region-reads, for the holder's region); everyone else gets
    the public view."""
    number = canonical_number(number)
    with engine.connect() as conn:
        owner = views.owner_of(conn, number)
        if owner is None:
            raise NotFound(f"no certificate numbered {number}", code="certificate_not_found")
        if _full_view_allowed(conn, actor, number, owner, purpose):
            view = views.full_view(conn, number, today_in_china())
        else:
            view = views.public_view(views.load_records(conn, [number])[number], today_in_china())
    return view  # type: ignore[return-value]


def _full_view_allowed(
    conn: Connection,
    actor: Principal,
    number: str,
    owner: tuple[str, str, str],
    purpose: str | None,
) -> bool:
    body_id, holder, region = owner
    if actor.role is Role.CERTIFICATION_BODY:
        return actor.body_id == body_id
    if actor.role is Role.ENTERPRISE:
        return actor.uscc == holder
    if not actor.is_regulator:
        return False
    record = {"uscc": holder, "owner_region": region, "certificate_number": number}
    return regulator_may_read_full(conn, cross_region_reads, actor, record, purpose)


@certificates.get(
    "/certificates",
    response_model=s.CertificatePageOut,
    summary="List certificates you issued or hold",
)
def list_certificates(
    actor: AnyUser,
    engine: EngineDep,
    status: Annotated[str | None, Query(max_length=20)] = None,
    scheme: Annotated[str | None, Query(max_length=32)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict:
    """Certification bodies see their own certificates, enterprises those they hold,
    regulators all."""
    with engine.connect() as conn:
        return views.search(
            conn,
            holder_uscc=actor.uscc if actor.role is Role.ENTERPRISE else None,
            holder_name=None,
            body_id=actor.body_id if actor.role is Role.CERTIFICATION_BODY else None,
            scheme=scheme,
            status=status,
            cursor=cursor,
            limit=limit,
            today=today_in_china(),
        )


def _full(engine: Engine, number: str) -> dict:
    with engine.connect() as conn:
        view = views.full_view(conn, number, today_in_china())
    assert view is not None
    return view


# -- the app ------------------------------------------------------------------------------------
# 1000 numbers of up to 64 characters, quoted, with separators and some whitespace.
BULK_VERIFY_MAX_BYTES = 96 * 1024


def create_app(settings: RegistrySettings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or RegistrySettings()
    engine = engine or make_engine(settings.database_url)
    cache = verification_cache(engine, settings.cache_mb)
    not_found = NotFoundTracker(settings.not_found_window_seconds)

    app = create_service_app(
        settings=settings,
        engine=engine,
        outbox=outbox,
        title="Certificate registry",
        description="Certification bodies, the certificates they issue, and public verification "
        "for market regulators, enterprises, the public and credit portals.",
        lifespan=cache_lifespan(cache, settings.cache_refresh_seconds),
        extra_state={"cache": cache, "not_found": not_found},
        collectors=(not_found,),
        body_limits={("POST", "/public/certificates/verify"): BULK_VERIFY_MAX_BYTES},
        openapi_examples=OPENAPI_EXAMPLES,
    )
    for router in (
        public,
        catalogue,
        bodies,
        governance_api.router,
        certificates,
        supervision,
        lifecycle,
        personnel_routes,
        lab_routes,
        audit_router(
            cross_region_reads,
            "certificates",
            "certificate records of holders",
            o.CertificateReadOut,
        ),
    ):
        app.include_router(router)
    app.include_router(webhook_router(ChangeFeed(), webhook_settings(settings, "REGISTRY_")))
    return app


def main() -> None:
    from shared.web.serve import serve

    serve("services.registry.entrypoints.api:create_app", RegistrySettings())


if __name__ == "__main__":
    main()
