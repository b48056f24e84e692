"""The client's models stay in step with the services' live OpenAPI documents, and its
retry policy honours Retry-After (on a scripted transport: a real service is not asked to
fail on cue)."""

from typing import Any

import httpx
import pytest
from qp_client import AsyncClient, Client, NotFound, ServerError, TransportError
from qp_client.models import ALL_MODELS, ApiModel
from qp_client.retry import retry_after_seconds

from tests.shared.test_openapi import apps

SERVICES = ("registry", "credit", "inspection")


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("openapi")
    return {
        svc: app.openapi()["components"]["schemas"]
        for svc, app in zip(SERVICES, apps(tmp), strict=True)
    }


def _mirrored() -> list[type[ApiModel]]:
    return [m for m in ALL_MODELS if m.openapi is not None]


@pytest.mark.parametrize("model", _mirrored(), ids=lambda m: m.__name__)
def test_model_fields_match_the_live_openapi_schema(
    model: type[ApiModel], schemas: dict[str, dict[str, Any]]
) -> None:
    assert model.openapi is not None
    service, name = model.openapi
    schema = schemas[service].get(name)
    assert schema is not None, f"{service} no longer documents {name}"
    live_fields = set(schema.get("properties", {}))
    live_required = set(schema.get("required", []))
    ours = {n for n, f in model.model_fields.items()}
    ours_required = {n for n, f in model.model_fields.items() if f.is_required()}
    assert ours == live_fields, f"{model.__name__}: fields differ from {service} {name}"
    # a field the service always sends is required here too, and vice versa
    assert ours_required == live_required, f"{model.__name__}: required fields differ"


def test_every_public_page_and_item_schema_has_a_model(schemas: dict) -> None:
    mirrored = {m.openapi for m in _mirrored()}
    wanted = {
        ("registry", n)
        for n in ("PublicCertificateOut", "BulkVerifyOut", "ChangePageOut", "CertificatePageOut")
    } | {("credit", n) for n in ("ProfileOut", "FeedPageOut", "RecordPageOut", "ListingPageOut")}
    assert wanted <= mirrored


def scripted(*answers: httpx.Response | Exception) -> tuple[httpx.MockTransport, list[str]]:
    seen: list[str] = []
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handle), seen


PROBLEM = {"Content-Type": "application/problem+json"}


def test_429_waits_what_retry_after_says_then_succeeds() -> None:
    transport, seen = scripted(
        httpx.Response(
            429, headers={"Retry-After": "7", **PROBLEM}, json={"code": "too_many_requests"}
        ),
        httpx.Response(503, json={"code": "unavailable"}, headers=PROBLEM),
        httpx.Response(200, json={"items": [], "next_cursor": "c0"}),
    )
    slept: list[float] = []
    with Client(registry="http://r", transport=transport, sleep=slept.append, backoff=0.25) as c:
        assert list(c.changes()) == []
    assert len(seen) == 3
    assert slept[0] == 7
    assert 0 < slept[1] <= 0.25 * 2 + 0.25  # exponential backoff with jitter, no Retry-After


def test_retry_after_is_capped_and_persistent_5xx_raise_with_the_code() -> None:
    transport, seen = scripted(
        *[
            httpx.Response(
                503,
                json={"code": "database_unavailable"},
                headers={"Retry-After": "900", **PROBLEM},
            )
        ]
        * 3
    )
    slept: list[float] = []
    c = Client(registry="http://r", transport=transport, sleep=slept.append, attempts=3, max_wait=5)
    with c, pytest.raises(ServerError) as err:
        c.certificate("X-1")
    assert err.value.code == "database_unavailable" and err.value.status == 503
    assert slept == [5, 5] and len(seen) == 3


def test_4xx_is_not_retried_and_connection_failures_become_transport_errors() -> None:
    transport, seen = scripted(
        httpx.Response(
            404, json={"code": "certificate_not_found", "title": "Not found"}, headers=PROBLEM
        )
    )
    c = Client(registry="http://r", transport=transport, sleep=lambda _s: None)
    with c, pytest.raises(NotFound) as err:
        c.certificate("X-1")
    assert err.value.code == "certificate_not_found" and len(seen) == 1
    transport, seen = scripted(*[httpx.ConnectError("refused")] * 2)
    c = Client(registry="http://r", transport=transport, sleep=lambda _s: None, attempts=2)
    with c, pytest.raises(TransportError):
        c.certificate("X-1")
    assert len(seen) == 2


def test_retry_after_accepts_http_dates() -> None:
    past = httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert retry_after_seconds(past) == 0
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "soon"})) is None


def test_async_client_retries_the_same_way() -> None:
    import asyncio

    answers = [
        httpx.Response(503, headers={"Retry-After": "2", **PROBLEM}, json={"code": "busy"}),
        httpx.Response(200, json={"items": [{"number": "A-1", "found": False}]}),
    ]
    seen: list[str] = []

    async def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        return answers.pop(0)

    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def run() -> list[str]:
        async with AsyncClient(
            registry="http://r", transport=httpx.MockTransport(handle), sleep=sleep
        ) as c:
            return [i.number for i in await c.verify(["A-1"])]

    assert asyncio.run(run()) == ["A-1"]
    assert seen == ["POST", "POST"] and slept == [2]
