"""The async client: the sync client's methods, awaited (pagination as async iterators)."""

from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, TypeVar

import httpx

from qp_client import endpoints as ep
from qp_client import models as m
from qp_client.client import chunked
from qp_client.errors import TransportError, raise_for_problem
from qp_client.retry import async_retrying

P = TypeVar("P", bound=m.ApiModel)


class AsyncClient:
    """See ``qp_client.Client``; ``sleep`` must be a coroutine function when given."""

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
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Any] | None = None,
    ) -> None:
        self.urls = ep.service_urls(registry, credit, inspection)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.AsyncClient(headers=headers, timeout=timeout, transport=transport)
        self._retry = (attempts, backoff, max_wait, sleep)

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(self, call: ep.Call) -> httpx.Response:
        url = self.urls[call.service] + call.path
        try:
            response: httpx.Response = await async_retrying(*self._retry)(
                self._http.request, call.method, url, params=call.params, json=call.json
            )
        except httpx.TransportError as exc:
            raise TransportError(f"{call.method} {url}: {exc}") from exc
        raise_for_problem(response)
        return response

    async def _get(self, call: ep.Call, model: type[P]) -> P:
        return model.model_validate_json((await self.send(call)).content)

    async def pages(
        self, call: ep.Call, model: type[P], cursor: str | None = None
    ) -> AsyncIterator[P]:
        asked = int(call.params.get("limit", 0))
        while True:
            page = await self._get(call.with_params(cursor=cursor) if cursor else call, model)
            yield page
            cursor = page.next_cursor  # type: ignore[attr-defined]
            if ep.is_last_page(page, asked):
                return

    async def _items(self, call: ep.Call, model: type[P], cursor: str | None) -> AsyncIterator[Any]:
        async for page in self.pages(call, model, cursor):
            for item in page.items:  # type: ignore[attr-defined]
                yield item

    async def certificate(self, number: str) -> m.Certificate:
        return await self._get(ep.certificate(number), m.Certificate)

    async def verify(self, numbers: Iterable[str]) -> list[m.VerifyItem]:
        out: list[m.VerifyItem] = []
        for chunk in chunked(numbers, ep.VERIFY_CHUNK):
            out.extend((await self._get(ep.verify(chunk), m.VerifyResult)).items)
        return out

    def changes(self, cursor: str | None = None, limit: int = 1000) -> AsyncIterator[m.Change]:
        return self._items(ep.changes(limit), m.ChangePage, cursor)

    def change_pages(
        self, cursor: str | None = None, limit: int = 1000
    ) -> AsyncIterator[m.ChangePage]:
        return self.pages(ep.changes(limit), m.ChangePage, cursor)

    async def enterprise(self, uscc: str) -> m.Profile:
        return await self._get(ep.enterprise(uscc), m.Profile)

    def enterprise_records(self, uscc: str, limit: int = 200) -> AsyncIterator[m.Record]:
        return self._items(ep.enterprise_records(uscc, limit), m.RecordPage, None)

    def disclosures(
        self, cursor: str | None = None, limit: int = 500
    ) -> AsyncIterator[m.Disclosure]:
        return self._items(ep.disclosures(limit), m.DisclosurePage, cursor)

    def disclosure_pages(
        self, cursor: str | None = None, limit: int = 500
    ) -> AsyncIterator[m.DisclosurePage]:
        return self.pages(ep.disclosures(limit), m.DisclosurePage, cursor)

    def dishonesty_list(self, limit: int = 500) -> AsyncIterator[m.Listing]:
        return self._items(ep.dishonesty_list(limit), m.ListingPage, None)

    async def draw(self, draw_id: str) -> m.Draw:
        return await self._get(ep.draw(draw_id), m.Draw)

    async def draw_verification(self, draw_id: str) -> dict[str, Any]:
        return dict((await self.send(ep.draw_verification(draw_id))).json())

    async def snapshot_document(self, snapshot_id: str) -> bytes:
        return (await self.send(ep.snapshot_document(snapshot_id))).content
