"""Credit-file routes: registering an enterprise, its file and its notices."""

from fastapi import APIRouter

from services.credit.entrypoints import cross_region
from services.credit.entrypoints import schemas as s
from services.credit.entrypoints.api_deps import (
    PolicyDep,
    RegulatorOrEnterprise,
    Today,
    Uow,
)
from services.credit.service_layer import file_views, files
from services.credit.service_layer.commands import RegisterEnterprise
from shared.exceptions import Forbidden, NotFound
from shared.uscc import normalise
from shared.web.auth import CurrentPrincipal, Regulator
from shared.web.dependencies import EngineDep
from shared.web.problems import PROBLEM_RESPONSES

enterprises = APIRouter(tags=["credit files"], responses=PROBLEM_RESPONSES)


@enterprises.post(
    "/enterprises", status_code=201, response_model=s.EnterpriseOut, summary="Register"
)
def register_enterprise(
    body: s.EnterpriseIn, actor: Regulator, uow: Uow, policy: PolicyDep
) -> dict:
    """Regulators, for enterprises in their jurisdiction."""
    e = files.register_enterprise(uow, RegisterEnterprise(**body.model_dump()), actor, policy)
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
        region = file_views.region_of_file(conn, uscc)
        if cross_region.full_file_allowed(conn, actor, uscc, region, purpose):
            view = file_views.credit_file(conn, uscc, today)
        else:
            view = file_views.public_file(conn, uscc, today)
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
        region = file_views.region_of_file(conn, uscc)
        if not cross_region.full_file_allowed(conn, actor, uscc, region, purpose):
            raise Forbidden("these are another enterprise's notices", code="not_your_file")
        return file_views.notices(conn, uscc)
