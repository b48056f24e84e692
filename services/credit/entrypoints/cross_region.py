"""Full credit files across regions: only with a stated purpose, and every such read audited.

A regulator reads full files of its own jurisdiction. Outside it, the full file needs an
``X-Access-Purpose`` header (why: a joint case, a cross-region check...); the read is written
to ``cross_region_read``, which the owning region's regulators read at
``GET /audit/cross-region-reads``. Without a purpose an out-of-region regulator gets the public
view, like anyone else.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from services.credit.adapters.orm import CrossRegionReadRow
from shared.auth import Principal, Role
from shared.clock import utcnow
from shared.db import table_of
from shared.exceptions import InvalidInput
from shared.web.auth import Regulator
from shared.web.problems import PROBLEM_RESPONSES

PURPOSE_HEADER = "x-access-purpose"
MIN_PURPOSE_CHARS = 8
AUDIT = table_of(CrossRegionReadRow)
router = APIRouter(tags=["credit files"], responses=PROBLEM_RESPONSES)


def stated_purpose(request: Request) -> str | None:
    purpose = (request.headers.get(PURPOSE_HEADER) or "").strip()
    if not purpose:
        return None
    if len(purpose) < MIN_PURPOSE_CHARS or len(purpose) > 500:
        raise InvalidInput(
            f"{PURPOSE_HEADER} must state the purpose in {MIN_PURPOSE_CHARS}-500 characters",
            code="access_purpose_invalid",
        )
    return purpose


def full_file_allowed(
    conn: Connection, actor: Principal, uscc: str, region: str | None, purpose: str | None
) -> bool:
    """The enterprise itself; regulators of its region; others with a purpose (audited)."""
    if actor.role is Role.ENTERPRISE:
        return actor.uscc == uscc
    if not actor.is_regulator or region is None:
        return False
    if actor.covers_region(region):
        return True
    if purpose is None:
        return False
    conn.execute(
        insert(AUDIT).values(
            uscc=uscc,
            owner_region=region,
            reader=actor.actor(),
            reader_region=actor.region_code or "",
            purpose=purpose,
            read_at=utcnow(),
        )
    )
    conn.commit()
    return True


def _engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


@router.get("/audit/cross-region-reads", summary="Cross-region reads of your region's files")
def cross_region_reads(
    actor: Regulator,
    engine: Annotated[Engine, Depends(_engine)],
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """Regulators. Who outside your jurisdiction read full files of enterprises in it, why and
    when (oldest first; page with ``after`` = the last id)."""
    stmt = select(AUDIT).where(AUDIT.c.id > after).order_by(AUDIT.c.id).limit(limit * 20)
    out: list[dict[str, Any]] = []
    with engine.connect() as conn:
        for row in conn.execute(stmt).mappings():
            if actor.covers_region(row["owner_region"]):
                out.append(dict(row))
            if len(out) == limit:
                break
    return out
