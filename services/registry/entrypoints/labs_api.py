"""Testing-lab register routes (issue 14). Each route's docstring says who may call it."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.registry.domain.labs import LAB_REASONS, LabStatus
from services.registry.entrypoints.schemas_out import LabOut
from services.registry.service_layer import labs
from services.registry.service_layer.unit_of_work import RegistryUnitOfWork
from shared.exceptions import NotFound
from shared.web.auth import Regulator
from shared.web.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["testing labs"], responses=PROBLEM_RESPONSES)


class LabIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9\-]{2,63}$")] = Field(
        description="accreditation number, e.g. CNAS-L1234"
    )
    name: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    uscc: str = Field(max_length=32)
    region_code: Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
    accredited_categories: list[Annotated[str, StringConstraints(max_length=64)]] = Field(
        min_length=1, max_length=200
    )
    valid_until: date


class LabStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: LabStatus
    reason_code: str = Field(max_length=64)
    valid_until: date | None = Field(default=None, description="on re-accreditation")


@router.post("/labs", status_code=201, response_model=LabOut, summary="Register a testing lab")
def register_lab(body: LabIn, actor: Regulator, request: Request) -> dict:
    """Regulators whose jurisdiction covers the lab's region."""
    engine = request.app.state.engine
    labs.register_lab(RegistryUnitOfWork(engine), labs.RegisterLab(**body.model_dump()), actor)
    return _one(request, body.id)


@router.get("/labs", response_model=list[LabOut], summary="Testing labs")
def list_labs(request: Request) -> list[dict]:
    """Anyone. USCC, accredited categories, validity, status and eligibility of every lab."""
    with request.app.state.engine.connect() as conn:
        return labs.lab_views(conn)


@router.get("/labs/{lab_id}", response_model=LabOut, summary="One testing lab")
def get_lab(lab_id: str, request: Request) -> dict:
    """Anyone."""
    return _one(request, lab_id)


@router.get("/lab-reason-codes", summary="Reason codes for lab status changes")
def lab_reasons() -> dict[str, str]:
    """Anyone."""
    return LAB_REASONS


@router.post("/labs/{lab_id}/status", response_model=LabOut, summary="Change a lab's standing")
def change_status(lab_id: str, body: LabStatusIn, actor: Regulator, request: Request) -> dict:
    """Regulators of the lab's region. A ban is final; an expired lab is active again only
    with a new valid_until."""
    labs.change_lab_status(
        RegistryUnitOfWork(request.app.state.engine),
        lab_id,
        body.status,
        body.reason_code,
        actor,
        body.valid_until,
    )
    return _one(request, lab_id)


def _one(request: Request, lab_id: str) -> dict:
    with request.app.state.engine.connect() as conn:
        found = labs.lab_views(conn, lab_id)
    if not found:
        raise NotFound(f"no lab {lab_id}", code="lab_not_found")
    return found[0]
