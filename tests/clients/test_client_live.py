"""The typed client (sync and async) against the running services on both databases."""

import asyncio

import httpx
import pytest
from qp_client import AsyncClient, BadRequest, Client, NotFound

from tests.clients.conftest import Live

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


def client(live: Live) -> Client:
    return Client(**live.urls())


def test_certificate_and_problem_codes(live: Live) -> None:
    with client(live) as c:
        cert = c.certificate(live.numbers[0])
        assert cert.number == live.numbers[0] and cert.status == "suspended"
        assert cert.scheme.code == "CCC" and cert.holder.uscc == live.holders[0]
        with pytest.raises(NotFound) as err:
            c.certificate("NO-SUCH-1")
        assert err.value.code == "certificate_not_found" and err.value.status == 404
        with pytest.raises(BadRequest) as bad:
            c.enterprise("91330100MA2ABCDE1X")
        assert bad.value.status == 422 and bad.value.code.startswith("uscc")


def test_verify_chunks_any_number_in_order(live: Live) -> None:
    numbers = [f"MISSING-{i}" for i in range(1100)] + live.numbers
    with client(live) as c:
        items = c.verify(numbers)
    assert [i.number for i in items] == numbers
    found = {i.number: i.status for i in items if i.found}
    assert set(found) == set(live.numbers)
    assert found[live.numbers[0]] == "suspended" and found[live.numbers[1]] == "valid"


def test_change_pages_cover_the_raw_feed_exactly(live: Live) -> None:
    raw = httpx.get(live.system.url("registry", "/public/changes?limit=1000")).json()["items"]
    with client(live) as c:
        pages = list(c.change_pages(limit=7))
        seen = [ch.sequence for ch in c.changes(limit=7)]
        assert len(pages) >= 3
        assert seen == [r["sequence"] for r in raw]
        # the last cursor resumes after the end: nothing new yet
        assert list(c.changes(cursor=pages[-1].next_cursor)) == []


def test_disclosures_records_and_profile(live: Live) -> None:
    with client(live) as c:
        entries = list(c.disclosures(limit=5))
        withdrawn = [e for e in entries if e.action == "withdraw"]
        assert withdrawn and withdrawn[0].entity == "listing" and withdrawn[0].uscc == live.listed
        published = {e.id for e in entries if e.action == "publish" and e.record is not None}
        assert len(published) >= len(live.holders)
        profile = c.enterprise(live.holders[2])
        assert profile.uscc == live.holders[2] and profile.risk_grade.grade in "ABCD"
        assert [r.uscc for r in c.enterprise_records(live.holders[2], limit=1)] == [live.holders[2]]
        certs = list(c.search_certificates(holder_uscc=live.holders[0], limit=1))
        assert {x.holder.uscc for x in certs} == {live.holders[0]} and len(certs) >= 2


def test_async_client_agrees_with_the_sync_one(live: Live) -> None:
    async def read() -> tuple[list[int], list[str], str]:
        async with AsyncClient(**live.urls()) as c:
            seqs = [ch.sequence async for ch in c.changes(limit=6)]
            verified = [i.status or "-" for i in await c.verify(live.numbers[:3])]
            profile = await c.enterprise(live.holders[3])
            return seqs, verified, profile.uscc

    seqs, verified, uscc = asyncio.run(read())
    with client(live) as c:
        assert seqs == [ch.sequence for ch in c.changes()]
        assert verified == [i.status for i in c.verify(live.numbers[:3])]
    assert uscc == live.holders[3]
