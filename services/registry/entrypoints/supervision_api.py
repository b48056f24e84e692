"""Supervision routes (issue 14): reports of suspicious certificates and forgery signals.

Each route's docstring says who may call it.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.registry.domain.reports import OUTCOMES, ReportStatus
from services.registry.entrypoints import schemas_out as o
from services.registry.entrypoints.forgery_signals import NotFoundTracker
from services.registry.service_layer import reports
from services.registry.service_layer.unit_of_work import RegistryUnitOfWork
from shared.web.auth import Regulator
from shared.web.dependencies import EngineDep
from shared.web.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["supervision"], responses=PROBLEM_RESPONSES)


def _tracker(request: Request) -> NotFoundTracker:
    return request.app.state.not_found  # type: ignore[no-any-return]


Tracker = Annotated[NotFoundTracker, Depends(_tracker)]


def client_of(request: Request) -> str:
    """The caller's address as the server sees it (uvicorn resolves trusted proxies)."""
    return request.client.host if request.client else "unknown"


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: str = Field(min_length=1, max_length=200, description="as printed on the document")
    region_code: Annotated[str, StringConstraints(pattern=r"^\d{6}$")] | None = Field(
        default=None, description="where it was presented (GB/T 2260); needed if not found"
    )
    where_seen: str = Field(default="", max_length=500)
    description: str = Field(default="", max_length=4000)
    reporter_contact: str | None = Field(default=None, max_length=200)


class ReportFiled(BaseModel):
    id: int
    status: str
    found: bool


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(max_length=64)
    note: str = Field(default="", max_length=4000)


@router.post(
    "/public/suspicious-reports",
    status_code=202,
    response_model=ReportFiled,
    summary="Report a suspicious certificate",
)
def file_report(body: ReportIn, request: Request, engine: EngineDep) -> dict:
    """Anyone, no login. Goes to the queue of the regulator of the holder's region (or of the
    region where it was presented, when the number does not exist)."""
    row = reports.file_report(
        RegistryUnitOfWork(engine),
        reports.FileReport(
            number=body.number,
            region_code=body.region_code,
            where_seen=body.where_seen,
            description=body.description,
            reporter_contact=body.reporter_contact,
            client=client_of(request),
        ),
    )
    return {"id": row.id, "status": row.status, "found": row.found}


@router.get(
    "/suspicious-reports",
    response_model=list[o.ReportOut],
    summary="The suspicious-certificate queue",
)
def list_reports(
    actor: Regulator,
    engine: EngineDep,
    status: ReportStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict]:
    """Regulators: reports routed to their jurisdiction, oldest first."""
    with engine.connect() as conn:
        return reports.list_reports(conn, actor, status.value if status else None, limit)


@router.get("/suspicious-reports/outcomes", summary="How a report can be closed")
def list_outcomes() -> dict[str, str]:
    """Anyone."""
    return OUTCOMES


@router.post(
    "/suspicious-reports/{report_id}/close", response_model=o.ReportOut, summary="Close a report"
)
def close_report(report_id: int, body: CloseIn, actor: Regulator, engine: EngineDep) -> dict:
    """Regulators whose jurisdiction covers the report's region. Closed reports get 409."""
    row = reports.close_report(
        RegistryUnitOfWork(engine), report_id, body.outcome, body.note, actor
    )
    return reports.report_view(row)


@router.get(
    "/forgery-signals",
    response_model=o.ForgerySignalsOut,
    summary="Lookups of numbers that do not exist",
)
def forgery_signals(actor: Regulator, tracker: Tracker) -> dict:
    """Regulators. Not-found lookups in the sliding window of this API replica, by client and
    by number pattern (Prometheus has the sum over replicas)."""
    return tracker.snapshot()
