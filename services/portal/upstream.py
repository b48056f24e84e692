"""Thin async clients for the three services' public APIs, mapping their answers to the
portal's three outcomes: the data, "not found / invalid" (shown to the user), or "unavailable"."""

from dataclasses import dataclass
from typing import Any

import httpx


class UpstreamError(Exception):
    """Base of what the pages render as a friendly error."""

    status = 503
    code = "upstream_unavailable"

    def __init__(self, detail: str, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code


class NotFoundError(UpstreamError):
    status = 404
    code = "not_found"


class InvalidInputError(UpstreamError):
    status = 422
    code = "invalid_input"


class UnavailableError(UpstreamError):
    status = 503


@dataclass
class Upstream:
    """One service's public API."""

    name: str
    client: httpx.AsyncClient

    async def get(self, path: str, **params: Any) -> Any:
        return (await self.get_raw(path, **params)).json()

    async def get_raw(self, path: str, **params: Any) -> httpx.Response:
        """The 200 answer as it came (for bytes that are hashed), or the mapped error."""
        query = {k: v for k, v in params.items() if v is not None}
        try:
            response = await self.client.get(path, params=query)
        except httpx.HTTPError as exc:
            raise UnavailableError(f"{self.name} unreachable: {type(exc).__name__}") from exc
        if response.status_code == 200:
            return response
        problem = _problem(response)
        if response.status_code == 404:
            raise NotFoundError(problem.get("detail", "not found"), problem.get("code"))
        if response.status_code in (400, 422):
            raise InvalidInputError(problem.get("detail", "invalid input"), problem.get("code"))
        raise UnavailableError(f"{self.name} answered {response.status_code}")

    async def get_all(self, path: str, max_rows: int, page: int = 200, **params: Any) -> list:
        """Follows ``next_cursor`` until the end or ``max_rows`` rows."""
        items: list = []
        cursor = None
        while len(items) < max_rows:
            body = await self.get(path, cursor=cursor, limit=page, **params)
            items.extend(body["items"])
            cursor = body.get("next_cursor")
            if not cursor:
                break
        return items[:max_rows]


def _problem(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@dataclass
class Upstreams:
    registry: Upstream
    inspection: Upstream
    credit: Upstream

    @classmethod
    def connect(cls, registry: str, inspection: str, credit: str, timeout: float) -> "Upstreams":
        def client(url: str) -> httpx.AsyncClient:
            return httpx.AsyncClient(
                base_url=url, timeout=timeout, headers={"Accept": "application/json"}
            )

        return cls(
            Upstream("registry", client(registry)),
            Upstream("inspection", client(inspection)),
            Upstream("credit", client(credit)),
        )

    async def close(self) -> None:
        for upstream in (self.registry, self.inspection, self.credit):
            await upstream.client.aclose()
