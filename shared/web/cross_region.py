"""Full records across regions: only with a stated purpose, and every such read audited.

A regulator reads full records (a credit file, a certificate's record) of its own jurisdiction
(``Power.READ_FULL_FILE``). Outside it, the full record needs a stated purpose (why: a joint
case, a cross-region check...), in the ``X-Access-Purpose`` header or the ``purpose`` query
parameter; the read is written to the service's ``cross_region_read`` table in the same
connection, and the owning region's regulators read that log at ``GET /audit/cross-region-reads``
(``audit_router``). Without a purpose an out-of-region regulator gets the public view.

Each service keeps its own table (``cross_region_read_table``: the common columns, plus what
names the record in that service, e.g. a certificate number).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Column, Index, MetaData, String, Table, func, insert, select
from sqlalchemy.engine import Connection, Engine

from shared.auth import Principal
from shared.auth.authority import FullRead, full_read
from shared.clock import utcnow
from shared.db import BigId, UtcDateTime
from shared.exceptions import InvalidInput
from shared.web.auth import Regulator
from shared.web.problems import PROBLEM_RESPONSES
from shared.web.responses import Timestamp

TABLE_NAME = "cross_region_read"
PURPOSE_HEADER = "X-Access-Purpose"
PURPOSE_PARAM = "purpose"
MIN_PURPOSE_CHARS = 8
MAX_PURPOSE_CHARS = 500


def cross_region_read_table(metadata: MetaData, *extra: Column[Any]) -> Table:
    """Who read which full record of which region outside their jurisdiction, why, when."""
    table = Table(
        TABLE_NAME,
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("uscc", String(18), nullable=False),  # the enterprise the record is about
        Column("owner_region", String(6), nullable=False),
        Column("reader", String(200), nullable=False),
        Column("reader_region", String(6), nullable=False),
        Column("purpose", String(MAX_PURPOSE_CHARS), nullable=False),
        Column("read_at", UtcDateTime(), nullable=False),
        *extra,
    )
    Index("ix_cross_region_read_region", table.c.owner_region, table.c.id)
    return table


def stated_purpose(
    header: Annotated[
        str | None,
        Header(
            alias=PURPOSE_HEADER,
            description="Why a regulator reads a full record outside its jurisdiction (audited)",
        ),
    ] = None,
    query: Annotated[
        str | None,
        Query(alias=PURPOSE_PARAM, description=f"The same as the {PURPOSE_HEADER} header"),
    ] = None,
) -> str | None:
    """The stated purpose (header first, else the query parameter); 422 when too short/long."""
    purpose = (header or query or "").strip()
    if not purpose:
        return None
    if not MIN_PURPOSE_CHARS <= len(purpose) <= MAX_PURPOSE_CHARS:
        raise InvalidInput(
            f"{PURPOSE_HEADER} (or ?{PURPOSE_PARAM}=) must state the purpose in "
            f"{MIN_PURPOSE_CHARS}-{MAX_PURPOSE_CHARS} characters",
            code="access_purpose_invalid",
        )
    return purpose


AccessPurpose = Annotated[str | None, Depends(stated_purpose)]


def regulator_may_read_full(
    conn: Connection,
    table: Table,
    actor: Principal,
    record: dict[str, Any],
    purpose: str | None,
) -> bool:
    """In the jurisdiction; or outside it with a purpose, then the read is audited (committed).

    ``record`` holds ``uscc``, ``owner_region`` and the table's extra columns.
    """
    access = full_read(actor, record.get("owner_region"), purpose)
    if access is FullRead.AUDITED:
        conn.execute(
            insert(table).values(
                **record,
                reader=actor.actor(),
                reader_region=actor.region_code or "",
                purpose=purpose,
                read_at=utcnow(),
            )
        )
        conn.commit()
    return access is not FullRead.REFUSED


def _engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


def reads_of_region(
    conn: Connection, table: Table, actor: Principal, after: int, limit: int
) -> list[dict[str, Any]]:
    prefix = actor.jurisdiction_prefix()
    if prefix is None:
        return []
    stmt = select(table).where(table.c.id > after).order_by(table.c.id).limit(limit)
    if prefix:
        stmt = stmt.where(func.substr(table.c.owner_region, 1, len(prefix)) == prefix)
    return [dict(row) for row in conn.execute(stmt).mappings()]


class CrossRegionReadOut(BaseModel):
    """One audited read: the common columns. A service's own columns (what names the record,
    e.g. ``certificate_number``) pass through; a service may declare them in a subclass."""

    model_config = ConfigDict(extra="allow")
    id: int
    uscc: str
    owner_region: str
    reader: str
    reader_region: str
    purpose: str
    read_at: Timestamp


def audit_router(
    table: Table, tag: str, what: str, item: type[CrossRegionReadOut] = CrossRegionReadOut
) -> APIRouter:
    """``GET /audit/cross-region-reads`` over ``table``; ``what`` names the records read and
    ``item`` is the model of one row."""
    router = APIRouter(tags=[tag], responses=PROBLEM_RESPONSES)

    def cross_region_reads(
        actor: Regulator,
        engine: Annotated[Engine, Depends(_engine)],
        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> list[dict[str, Any]]:
        with engine.connect() as conn:
            return reads_of_region(conn, table, actor, after, limit)

    cross_region_reads.__doc__ = (
        f"Regulators. Who outside your jurisdiction read full {what} in it, why and when "
        "(oldest first; page with ``after`` = the last id)."
    )
    router.add_api_route(
        "/audit/cross-region-reads",
        cross_region_reads,
        methods=["GET"],
        response_model=list[item],  # type: ignore[valid-type]
        summary="Cross-region reads of your region's records",
    )
    return router
