"""The registry's change log as a webhook feed: every change, about a certificate (and its
holder's USCC), a body or a holder's joint-punishment status."""

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from services.registry.service_layer.views import CERTIFICATE, CHANGE
from shared.webhooks.fanout import FeedEntry

L, C = CHANGE.c, CERTIFICATE.c


class ChangeFeed:
    event_types: tuple[str, ...] = ("registry.certificate.", "registry.body.", "registry.holder.")

    def head(self, conn: Connection) -> int:
        return int(conn.execute(select(func.coalesce(func.max(L.id), 0))).scalar_one())

    def entries(self, conn: Connection, after: int, limit: int) -> tuple[list[FeedEntry], int]:
        rows = conn.execute(
            select(L.id, L.entity, L.entity_key, L.change, L.status, L.occurred_at, C.holder_uscc)
            .select_from(
                CHANGE.outerjoin(
                    CERTIFICATE, (L.entity == "certificate") & (C.number == L.entity_key)
                )
            )
            .where(L.id > after)
            .order_by(L.id)
            .limit(limit)
        ).all()
        entries = [
            FeedEntry(
                sequence=r.id,
                event_type=f"registry.{r.entity}.{r.change.replace(':', '.')}",
                subjects=frozenset(s for s in (r.entity_key, r.holder_uscc) if s),
                occurred_at=r.occurred_at,
                data={
                    "sequence": r.id,
                    "entity": r.entity,
                    "key": r.entity_key,
                    "change": r.change,
                    "status": r.status,
                    "occurred_at": r.occurred_at.isoformat(),
                    "holder_uscc": r.holder_uscc,
                },
            )
            for r in rows
        ]
        return entries, (rows[-1].id if rows else after)
