"""Routes for the national governance of certification bodies (withdrawal's second approval)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from services.registry.service_layer import governance
from services.registry.service_layer.unit_of_work import RegistryUnitOfWork
from shared.exceptions import NotFound
from shared.web.auth import Regulator
from shared.web.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["certification bodies"], responses=PROBLEM_RESPONSES)


def _uow(request: Request) -> RegistryUnitOfWork:
    return RegistryUnitOfWork(request.app.state.engine)


Uow = Annotated[RegistryUnitOfWork, Depends(_uow)]


class WithdrawalRequestOut(BaseModel):
    id: int
    body_id: str
    reason_code: str
    reason: str
    status: str
    proposed_by: str
    proposed_at: Any
    decided_by: str | None = None
    decided_at: Any = None


@router.get(
    "/bodies/{body_id}/accreditation/withdrawal",
    response_model=WithdrawalRequestOut,
    summary="The withdrawal waiting for approval",
)
def pending_withdrawal(body_id: str, actor: Regulator, uow: Uow) -> dict:
    """Regulators. The proposed withdrawal of this body, if one waits for a second approval."""
    pending = governance.pending_withdrawal(uow, body_id)
    if pending is None:
        raise NotFound(f"no withdrawal of {body_id} is waiting", code="no_pending_withdrawal")
    return pending


@router.post(
    "/bodies/{body_id}/accreditation/withdrawal/approval",
    response_model=WithdrawalRequestOut,
    summary="Approve a proposed withdrawal (second national regulator)",
)
def approve_withdrawal(body_id: str, actor: Regulator, uow: Uow, request: Request) -> dict:
    """National regulators other than the proposer. Withdraws the accreditation (final)."""
    out = governance.decide_withdrawal(uow, body_id, True, actor)
    request.app.state.cache.clear()
    return out


@router.post(
    "/bodies/{body_id}/accreditation/withdrawal/rejection",
    response_model=WithdrawalRequestOut,
    summary="Reject a proposed withdrawal (second national regulator)",
)
def reject_withdrawal(body_id: str, actor: Regulator, uow: Uow) -> dict:
    """National regulators other than the proposer. The body keeps its accreditation."""
    return governance.decide_withdrawal(uow, body_id, False, actor)
