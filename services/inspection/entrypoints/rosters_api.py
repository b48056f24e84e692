"""Roster routes: CSV imports of units, inspectors and labs; unit aliases."""

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from services.inspection.config import InspectionSettings
from services.inspection.entrypoints import schemas as s
from services.inspection.entrypoints import schemas_disclosure as s_disclosure
from services.inspection.entrypoints import schemas_out as out
from services.inspection.entrypoints.dependencies import Settings, Uow
from services.inspection.service_layer import (
    rosters,
    unit_keys,
)
from shared.exceptions import InvalidInput
from shared.web.auth import Regulator
from shared.web.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["rosters"], responses=PROBLEM_RESPONSES)


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


@router.post(
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
    return (await run_in_threadpool(rosters.import_units, uow, text, actor)).__dict__


@router.post(
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
    return (await run_in_threadpool(rosters.import_inspectors, uow, text, actor)).__dict__


@router.post(
    "/rosters/labs/import",
    response_model=s.ImportOut,
    openapi_extra=_CSV_BODY,
    summary="Import testing labs (CSV)",
)
async def import_labs(request: Request, actor: Regulator, uow: Uow, settings: Settings) -> dict:
    """Regulators. Columns: lab_id, name, region_code, accredited_categories, conflicts."""
    text = await _csv(request, settings)
    return (await run_in_threadpool(rosters.import_labs, uow, text, actor)).__dict__


@router.post(
    "/rosters/unit-aliases",
    response_model=out.AliasOut,
    status_code=201,
    summary="Add a product/model alias",
)
def add_unit_alias(body: s_disclosure.AliasIn, actor: Regulator, uow: Uow) -> dict:
    """Regulators. Later imports treat ``alias`` as ``canonical`` (both normalised), for one
    enterprise or every one; 422 alias_merges_enterprises for anything but product_name or
    model, 409 alias_chain / alias_conflict."""
    return unit_keys.add_alias(
        uow, body.field, body.alias, body.canonical, body.reason, actor, body.enterprise_uscc
    )


@router.get("/rosters/unit-aliases", response_model=list[out.AliasOut], summary="The alias table")
def list_unit_aliases(actor: Regulator, uow: Uow) -> list[dict]:
    """Regulators."""
    return unit_keys.list_aliases(uow)
