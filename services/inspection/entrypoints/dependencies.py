"""What the inspection routes depend on: the engine, a unit of work configured from the settings,
the settings and the working calendar (Annotated dependencies)."""

from typing import Annotated

from fastapi import Depends, Request, Response
from pydantic_core import to_json

from services.inspection.config import InspectionSettings
from services.inspection.domain import hierarchy
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from shared.calendar import WorkingCalendar

JSON = "application/json"


def get_uow(request: Request) -> InspectionUnitOfWork:
    uow = InspectionUnitOfWork(request.app.state.engine)
    uow.hierarchy = hierarchy.POLICIES[request.app.state.settings.hierarchy_policy]
    uow.contributions_required = request.app.state.settings.draw_contributions_required
    return uow


def get_settings(request: Request) -> InspectionSettings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_calendar(request: Request) -> WorkingCalendar:
    return request.app.state.calendar_source.current()  # type: ignore[no-any-return]


Uow = Annotated[InspectionUnitOfWork, Depends(get_uow)]


Settings = Annotated[InspectionSettings, Depends(get_settings)]


Calendar = Annotated[WorkingCalendar, Depends(get_calendar)]


def json_response(data: object, status: int = 200) -> Response:
    return Response(to_json(data), status_code=status, media_type=JSON)
