"""Lifecycle routes of issue 14: transfer to another body, the public transfer mapping and the
lifecycle rules in force. Each route's docstring says who may call it."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from services.registry.entrypoints import schemas as s
from services.registry.entrypoints import schemas_out as o
from services.registry.service_layer import lifecycle, statistics, views
from services.registry.service_layer.commands import IssueCertificate
from services.registry.service_layer.unit_of_work import RegistryUnitOfWork
from shared.clock import today_in_china
from shared.web.auth import CertificationBody
from shared.web.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["certificates"], responses=PROBLEM_RESPONSES)


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    successor: s.CertificateIn


@router.post(
    "/certificates/{number}/transfer",
    status_code=201,
    response_model=s.FullCertificateOut,
    summary="Take over a certificate from another body",
)
def transfer(number: str, body: TransferIn, actor: CertificationBody, request: Request) -> Any:
    """The receiving certification body, on the holder's application. It must be active and
    approved for the scheme; holder, scheme and validity stay; the old certificate is marked
    replaced (reason transfer_to_other_body) and both keep their history."""
    engine = request.app.state.engine
    new = lifecycle.transfer_certificate(
        RegistryUnitOfWork(engine), number, IssueCertificate(**body.successor.model_dump()), actor
    )
    request.app.state.cache.evict([new.replaces_number or number, new.number])
    with engine.connect() as conn:
        return views.full_view(conn, new.number, today_in_china())


@router.get(
    "/public/transfers",
    response_model=o.TransferPageOut,
    summary="Certificates transferred between bodies",
)
def transfers(
    request: Request,
    after_id: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict:
    """Anyone. The old -> new number mapping of transferred certificates; page with after_id."""
    old, new = views.CERTIFICATE.alias("old"), views.CERTIFICATE.alias("new")
    stmt = (
        select(
            old.c.id,
            old.c.number.label("from_number"),
            old.c.body_id.label("from_body_id"),
            new.c.number.label("to_number"),
            new.c.body_id.label("to_body_id"),
            old.c.status_changed_at.label("transferred_at"),
        )
        .join(new, new.c.number == old.c.replaced_by_number)
        .where(old.c.status_reason_code == lifecycle.TRANSFER_REASON, old.c.id > after_id)
        .order_by(old.c.id)
        .limit(limit)
    )
    with request.app.state.engine.connect() as conn:
        items = [dict(r) for r in conn.execute(stmt).mappings()]
    next_id = items[-1].pop("id") if items else None
    for item in items:
        item.pop("id", None)
    return {"items": items, "next_after_id": next_id}


@router.get(
    "/lifecycle-rules", response_model=o.LifecycleRulesOut, summary="Lifecycle limits in force"
)
def lifecycle_rules(request: Request) -> dict:
    """Anyone. Maximum suspension per scheme (and per reason), what happens after it, the
    transfer period for certificates of a withdrawn body; each with its legal source."""
    return request.app.state.settings.lifecycle_rules.as_data()  # type: ignore[no-any-return]


@router.get(
    "/public/statistics/monthly",
    response_model=o.MonthlyStatisticsOut,
    summary="Certification statistics per month",
)
def monthly_statistics(
    request: Request,
    from_month: Annotated[str | None, Query(alias="from", max_length=7)] = None,
    to_month: Annotated[str | None, Query(alias="to", max_length=7)] = None,
    scheme: Annotated[str | None, Query(max_length=32)] = None,
    region_level: Annotated[str, Query(max_length=10)] = "province",
) -> dict:
    """Anyone. Per month (China time), scheme and region of the holder: certificates issued,
    suspended, restored, revoked, cancelled, expired and replaced, named as in /public/changes.
    Defaults to the current month."""
    current = statistics.this_month(today_in_china())
    with request.app.state.engine.connect() as conn:
        return statistics.monthly(
            conn,
            from_month=from_month or current,
            to_month=to_month or current,
            scheme=scheme,
            region_level=region_level,
        )
