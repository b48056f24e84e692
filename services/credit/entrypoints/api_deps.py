"""What the credit routes depend on: the engine, a unit of work, the legal date, the policy in
force and the caller, as Annotated parameters; and the page-size bounds of listings."""

from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request

from services.credit.service_layer.policy import Policy
from services.credit.service_layer.unit_of_work import CreditUnitOfWork
from shared.auth import Principal, Role
from shared.web.auth import require

JSON = "application/json"


# Dependencies are ``async`` although they do no I/O: FastAPI runs a plain ``def`` dependency
# in the threadpool, a hop that costs more than the work.
async def get_uow(request: Request) -> CreditUnitOfWork:
    return CreditUnitOfWork(request.app.state.engine, changed=request.app.state.cache.evict)


async def get_today(request: Request) -> date:
    return request.app.state.today()  # type: ignore[no-any-return]


async def get_policy(request: Request) -> Policy:
    return request.app.state.settings.policy  # type: ignore[no-any-return]


Uow = Annotated[CreditUnitOfWork, Depends(get_uow)]
Today = Annotated[date, Depends(get_today)]
PolicyDep = Annotated[Policy, Depends(get_policy)]
RegulatorOrEnterprise = Annotated[Principal, require(Role.REGULATOR, Role.ENTERPRISE)]
# Listings of full records and applications are heavier than the public ones: at most 200.
SmallLimit = Annotated[int, Query(ge=1, le=200, description="Page size.")]
