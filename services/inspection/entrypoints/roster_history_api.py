"""Read the roster history: every change to a unit, inspector or lab row, with its author."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from services.inspection.entrypoints import schemas_records_out as o
from services.inspection.service_layer import roster_authority, roster_versions
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.exceptions import NotFound
from shared.web.auth import Regulator
from shared.web.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["rosters"], responses=PROBLEM_RESPONSES)


def _uow(request: Request) -> InspectionUnitOfWork:
    return InspectionUnitOfWork(request.app.state.engine)


@router.get(
    "/rosters/{kind}/{row_id}/history",
    response_model=list[o.RosterHistoryEntryOut],
    summary="A roster row's history",
)
def roster_history(
    kind: Literal["unit", "inspector", "lab"],
    row_id: str,
    actor: Regulator,
    uow: Annotated[InspectionUnitOfWork, Depends(_uow)],
) -> list[dict]:
    """Regulators whose region covers the row's current region. Every created or changed
    version of the row, oldest first, with who changed it and the row before and after."""
    entries = roster_authority.history(uow, kind, row_id)
    if not entries or not actor.covers_region(str(entries[-1]["after"]["region_code"])):
        raise NotFound(f"no {kind} {row_id} in your jurisdiction", code="roster_row_not_found")
    return entries


@router.get("/rosters/versions", response_model=o.RosterVersionsOut, summary="Roster versions")
def roster_versions_list(
    actor: Regulator,
    request: Request,
    after: Annotated[int, Query(ge=0, description="versions after this one")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict:
    """Regulators. The rosters (units, inspectors, labs) as one versioned whole: each import
    that changed rows made a version (its history entries carry ``roster_version``); a
    snapshot names the version it was frozen from."""
    with request.app.state.engine.connect() as conn:
        return roster_versions.versions(conn, after=after, limit=limit)
