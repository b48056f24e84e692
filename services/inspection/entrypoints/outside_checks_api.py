"""Checks by other authorities (issue 13, item 5): CSV upload and a JSON API, both all rows or
none, with the same body limit as the roster imports (``INSPECTION_MAX_IMPORT_BYTES``)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from services.inspection.entrypoints import schemas_records_out as o
from services.inspection.service_layer import outside_checks
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.clock import today_in_china
from shared.exceptions import InvalidInput, NotFound
from shared.web.auth import Regulator
from shared.web.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["checks by other authorities"], responses=PROBLEM_RESPONSES)
PATHS = ("/outside-checks/import", "/outside-checks")  # body limit: max_import_bytes


def _uow(request: Request) -> InspectionUnitOfWork:
    return InspectionUnitOfWork(request.app.state.engine)


Uow = Annotated[InspectionUnitOfWork, Depends(_uow)]
SkipDuplicates = Annotated[
    bool, Query(description="skip rows repeating an imported check (reported) instead of 409")
]


class OutsideCheckIn(BaseModel):
    """One check; every field is validated per row (422 names the row's index)."""

    model_config = ConfigDict(extra="forbid")
    enterprise_uscc: str = Field("", max_length=1000)
    product_name: str = Field("", max_length=1000)
    model: str = Field("", max_length=1000)
    authority: str = Field("", max_length=1000, description="the checking authority")
    authority_level: str = Field("", max_length=1000, description="national .. county")
    region_code: str = Field("", max_length=1000, description="the authority's region")
    plan_reference: str = Field("", max_length=1000, description="its plan or notice")
    check_type: str = Field("", max_length=1000, description="e.g. supervisory_spot_check")
    outcome: str = Field("", max_length=1000, description="pass | fail | refused | ...")
    sampling_date: str = Field("", max_length=1000, description="YYYY-MM-DD")
    report_number: str = Field("", max_length=1000)


class OutsideChecksIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    records: list[OutsideCheckIn] = Field(min_length=1, max_length=outside_checks.MAX_RECORDS)


class OutsideImportOut(BaseModel):
    rows: int
    imported: int
    duplicates: list[dict]  # {"row", "existing_id"}: skipped (skip_duplicates=true)
    ids: list[str]


_CSV_BODY = {
    "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}
}


@router.post(
    "/outside-checks/import",
    response_model=OutsideImportOut,
    openapi_extra=_CSV_BODY,
    summary="Import other authorities' checks (CSV)",
)
async def import_csv(
    request: Request, actor: Regulator, uow: Uow, skip_duplicates: SkipDuplicates = False
) -> dict:
    """Regulators (county or higher, ``record_outside_check``), for units in their
    jurisdiction. Columns: enterprise_uscc, product_name, model, authority, authority_level,
    region_code, plan_reference, check_type, outcome, sampling_date, optional report_number.
    All rows or none: 422 with every bad row's line number; 409 outside_check_duplicate when
    rows repeat imported checks (unless ``skip_duplicates``)."""
    try:
        text = (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the file must be UTF-8 encoded CSV", code="invalid_encoding") from None
    report = await run_in_threadpool(
        outside_checks.import_csv,
        uow,
        text,
        actor,
        today_in_china(),
        skip_duplicates=skip_duplicates,
    )
    return report.__dict__


@router.post("/outside-checks", response_model=OutsideImportOut, summary="Record outside checks")
def import_records(
    body: OutsideChecksIn, actor: Regulator, uow: Uow, skip_duplicates: SkipDuplicates = False
) -> dict:
    """Regulators, as for the CSV import, for systems: a batch of records, all or none; a
    bad record's ``row`` in the 422 is its index in ``records`` (from 0)."""
    records = [r.model_dump() for r in body.records]
    report = outside_checks.import_records(
        uow, records, actor, today_in_china(), skip_duplicates=skip_duplicates
    )
    return report.__dict__


@router.get(
    "/outside-checks/{check_id}",
    response_model=o.OutsideCheckOut,
    summary="An imported check with its provenance",
)
def get_outside_check(check_id: str, actor: Regulator, uow: Uow) -> dict:
    """Regulators whose region covers the unit's. The id is what an exclusion's
    ``cause.plan_id`` names when the six-month rule counted an outside check."""
    found = outside_checks.get(uow, check_id, actor)
    if found is None:
        raise NotFound(f"no outside check {check_id} in your jurisdiction", code="not_found")
    return found
