"""The sync client. ``aio.AsyncClient`` has the same methods, awaited."""

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import httpx

from qp_client import endpoints as ep
from qp_client import models as m
from qp_client.errors import TransportError, raise_for_problem
from qp_client.retry import retrying

P = TypeVar("P", bound=m.ApiModel)


class Client:
    """Typed access to the public APIs of registry, credit and inspection.

    ``token`` (a bearer token) is optional: everything here is public. Answers with 429 or
    5xx and connection failures are retried ``attempts`` times with exponential backoff,
    honouring ``Retry-After``; errors are raised as ``qp_client.errors`` exceptions carrying
    the problem's ``code``.
    """

    def __init__(
        self,
        *,
        registry: str | None = None,
        credit: str | None = None,
        inspection: str | None = None,
        token: str | None = None,
        timeout: float = 30,
        attempts: int = 5,
        backoff: float = 0.5,
        max_wait: float = 30,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], Any] | None = None,
    ) -> None:
        self.urls = ep.service_urls(registry, credit, inspection)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(headers=headers, timeout=timeout, transport=transport)
        self._retry = (attempts, backoff, max_wait, sleep)

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- transport -------------------------------------------------------------------------
    def send(self, call: ep.Call) -> httpx.Response:
        """One call with retries; raises the typed error for a non-2xx final answer."""
        url = self.urls[call.service] + call.path
        try:
            response: httpx.Response = retrying(*self._retry)(
                self._http.request, call.method, url, params=call.params, json=call.json
            )
        except httpx.TransportError as exc:
            raise TransportError(f"{call.method} {url}: {exc}") from exc
        raise_for_problem(response)
        return response

    def _get(self, call: ep.Call, model: type[P]) -> P:
        return model.model_validate_json(self.send(call).content)

    def pages(self, call: ep.Call, model: type[P], cursor: str | None = None) -> Iterator[P]:
        """Pages of a cursor feed from ``cursor`` until the feed has nothing more."""
        asked = int(call.params.get("limit", 0))
        while True:
            page = self._get(call.with_params(cursor=cursor) if cursor else call, model)
            yield page
            cursor = page.next_cursor  # type: ignore[attr-defined]
            if ep.is_last_page(page, asked):
                return

    def _items(self, call: ep.Call, model: type[P], cursor: str | None) -> Iterator[Any]:
        for page in self.pages(call, model, cursor):
            yield from page.items  # type: ignore[attr-defined]

    # -- registry --------------------------------------------------------------------------
    def certificate(self, number: str) -> m.Certificate:
        return self._get(ep.certificate(number), m.Certificate)

    def verify(self, numbers: Iterable[str]) -> list[m.VerifyItem]:
        """Any number of certificate numbers, sent in chunks of 1000, answers in order."""
        out: list[m.VerifyItem] = []
        for chunk in chunked(numbers, ep.VERIFY_CHUNK):
            out.extend(self._get(ep.verify(chunk), m.VerifyResult).items)
        return out

    def search_certificates(
        self,
        *,
        holder_uscc: str | None = None,
        holder_name: str | None = None,
        scheme: str | None = None,
        status: str | None = None,
        limit: int = 200,
    ) -> Iterator[m.Certificate]:
        call = ep.search(
            holder_uscc=holder_uscc, holder_name=holder_name, scheme=scheme, status=status
        )
        return self._items(call.with_params(limit=limit), m.CertificatePage, None)

    def change_pages(self, cursor: str | None = None, limit: int = 1000) -> Iterator[m.ChangePage]:
        return self.pages(ep.changes(limit), m.ChangePage, cursor)

    def changes(self, cursor: str | None = None, limit: int = 1000) -> Iterator[m.Change]:
        return self._items(ep.changes(limit), m.ChangePage, cursor)

    def body(self, body_id: str) -> m.Body:
        return self._get(ep.body(body_id), m.Body)

    # -- credit ----------------------------------------------------------------------------
    def enterprise(self, uscc: str) -> m.Profile:
        return self._get(ep.enterprise(uscc), m.Profile)

    def enterprise_records(self, uscc: str, limit: int = 200) -> Iterator[m.Record]:
        return self._items(ep.enterprise_records(uscc, limit), m.RecordPage, None)

    def disclosure_pages(
        self, cursor: str | None = None, limit: int = 500
    ) -> Iterator[m.DisclosurePage]:
        return self.pages(ep.disclosures(limit), m.DisclosurePage, cursor)

    def disclosures(self, cursor: str | None = None, limit: int = 500) -> Iterator[m.Disclosure]:
        return self._items(ep.disclosures(limit), m.DisclosurePage, cursor)

    def dishonesty_list(self, limit: int = 500) -> Iterator[m.Listing]:
        return self._items(ep.dishonesty_list(limit), m.ListingPage, None)

    # -- inspection ------------------------------------------------------------------------
    def draw(self, draw_id: str) -> m.Draw:
        return self._get(ep.draw(draw_id), m.Draw)

    def draw_verification(self, draw_id: str) -> dict[str, Any]:
        """The draw record for the offline verifier (JSON object as published)."""
        return dict(self.send(ep.draw_verification(draw_id)).json())

    def snapshot(self, snapshot_id: str) -> m.Snapshot:
        return self._get(ep.snapshot(snapshot_id), m.Snapshot)

    def snapshot_document(self, snapshot_id: str) -> bytes:
        """The canonical snapshot bytes whose SHA-256 is the published snapshot hash."""
        return self.send(ep.snapshot_document(snapshot_id)).content


def chunked(values: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
