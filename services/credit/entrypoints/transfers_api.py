"""Routes for approved transfers of credit files between regions."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from services.credit.entrypoints.schemas import TransferOut
from services.credit.service_layer import transfers
from services.credit.service_layer.unit_of_work import CreditUnitOfWork
from shared.web.auth import Regulator
from shared.web.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["credit files"], responses=PROBLEM_RESPONSES)


def _uow(request: Request) -> CreditUnitOfWork:
    return CreditUnitOfWork(request.app.state.engine)


Uow = Annotated[CreditUnitOfWork, Depends(_uow)]


class TransferIn(BaseModel):
    to_region: str = Field(pattern=r"^\d{6}$")
    reason: str = Field(min_length=1, max_length=2000)


@router.post(
    "/enterprises/{uscc}/transfers",
    status_code=201,
    response_model=TransferOut,
    summary="Propose a transfer",
)
def propose_transfer(uscc: str, body: TransferIn, actor: Regulator, uow: Uow) -> dict[str, Any]:
    """Provincial or higher regulators of the file's current region. The file moves only when
    an authority of the receiving region approves."""
    return transfers.propose(uow, uscc.strip().upper(), body.to_region, body.reason, actor)


@router.post(
    "/enterprises/{uscc}/transfers/{transfer_id}/approval",
    response_model=TransferOut,
    summary="Approve",
)
def approve_transfer(uscc: str, transfer_id: int, actor: Regulator, uow: Uow) -> dict[str, Any]:
    """Provincial or higher regulators of the receiving region, not the proposer."""
    return transfers.decide(uow, uscc.strip().upper(), transfer_id, True, actor)


@router.post(
    "/enterprises/{uscc}/transfers/{transfer_id}/rejection",
    response_model=TransferOut,
    summary="Reject",
)
def reject_transfer(uscc: str, transfer_id: int, actor: Regulator, uow: Uow) -> dict[str, Any]:
    """Provincial or higher regulators of the receiving region, not the proposer."""
    return transfers.decide(uow, uscc.strip().upper(), transfer_id, False, actor)
