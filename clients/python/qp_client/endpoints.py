"""The public calls, described once for the sync and the async client."""

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from qp_client import models as m

DEFAULT_URLS = {
    "registry": "http://127.0.0.1:8001",
    "inspection": "http://127.0.0.1:8002",
    "credit": "http://127.0.0.1:8003",
}
VERIFY_CHUNK = 1000  # the registry's limit per bulk verification


def service_urls(
    registry: str | None, credit: str | None, inspection: str | None
) -> dict[str, str]:
    """Explicit URL, else ``QP_<SERVICE>_URL``, else the ``make run`` port."""
    given = {"registry": registry, "credit": credit, "inspection": inspection}
    return {
        svc: (given[svc] or os.environ.get(f"QP_{svc.upper()}_URL") or default).rstrip("/")
        for svc, default in DEFAULT_URLS.items()
    }


@dataclass(frozen=True)
class Call:
    service: str
    method: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None

    def with_params(self, **params: Any) -> "Call":
        return Call(self.service, self.method, self.path, {**self.params, **params}, self.json)


def certificate(number: str) -> Call:
    return Call("registry", "GET", f"/public/certificates/{number}")


def verify(numbers: Sequence[str]) -> Call:
    return Call("registry", "POST", "/public/certificates/verify", json={"numbers": list(numbers)})


def search(**filters: Any) -> Call:
    params = {k: v for k, v in filters.items() if v is not None}
    return Call("registry", "GET", "/public/certificates", params)


def changes(limit: int) -> Call:
    return Call("registry", "GET", "/public/changes", {"limit": limit})


def body(body_id: str) -> Call:
    return Call("registry", "GET", f"/bodies/{body_id}")


def enterprise(uscc: str) -> Call:
    return Call("credit", "GET", f"/public/enterprises/{uscc}")


def enterprise_records(uscc: str, limit: int) -> Call:
    return Call("credit", "GET", f"/public/enterprises/{uscc}/records", {"limit": limit})


def disclosures(limit: int) -> Call:
    return Call("credit", "GET", "/public/disclosures", {"limit": limit})


def dishonesty_list(limit: int) -> Call:
    return Call("credit", "GET", "/public/dishonesty-list", {"limit": limit})


def draw(draw_id: str) -> Call:
    return Call("inspection", "GET", f"/public/draws/{draw_id}")


def draw_verification(draw_id: str) -> Call:
    return Call("inspection", "GET", f"/public/draws/{draw_id}/verification")


def snapshot(snapshot_id: str) -> Call:
    return Call("inspection", "GET", f"/public/snapshots/{snapshot_id}")


def snapshot_document(snapshot_id: str) -> Call:
    return Call("inspection", "GET", f"/public/snapshots/{snapshot_id}/document")


def is_last_page(page: m.ApiModel, asked: int) -> bool:
    """Feeds with ``has_more`` say so; the others end on a short page or without a cursor
    (an empty page of a feed keeps its cursor, so polling again later is safe)."""
    has_more = getattr(page, "has_more", None)
    if has_more is not None:
        return not has_more
    return getattr(page, "next_cursor", None) is None or len(page.items) < asked  # type: ignore[attr-defined]
