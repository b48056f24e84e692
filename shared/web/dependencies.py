"""Request dependencies every service shares. Each service's entrypoints add their own unit of
work (``Uow``) beside these, because its type and settings are the service's."""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine


async def get_engine(request: Request) -> Engine:
    """The service's engine, created once by the app factory (async: no thread-pool hop for what is an attribute read; one session per request is the
    unit of work's, not this)."""
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]
