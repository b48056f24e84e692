"""The portal's own mirror of the disclosure feed (qp_client.mirror in a thread): listings in
disclosure whose term has not ended, withdrawals applied, resumed from the stored cursor."""

from datetime import date
from pathlib import Path

import httpx

from services.portal.mirror import DisclosureMirror

TODAY = date(2026, 12, 3)


def listing(lid: str, term_end: str | None) -> dict:
    return {
        "id": lid,
        "uscc": f"91330100MA2ABC{lid[-4:]}",
        "enterprise_name": f"企业{lid}",
        "reason": "r",
        "legal_basis": "《市场监督管理严重违法失信名单管理办法》",
        "term_start": "2026-01-01",
        "term_end": term_end,
        "indefinite": term_end is None,
        "measures": [],
    }


def entry(seq: int, action: str, lid: str, term_end: str | None = None) -> dict:
    item = {
        "sequence": seq,
        "action": action,
        "entity": "listing",
        "id": lid,
        "uscc": f"91330100MA2ABC{lid[-4:]}",
        "occurred_at": "2026-11-01T00:00:00Z",
    }
    if action == "publish":
        item["listing"] = listing(lid, term_end)
    return item


FEED = [
    entry(1, "publish", "L-0001"),
    entry(2, "publish", "L-0002", "2026-06-30"),  # its term has ended
    entry(3, "publish", "L-0003", "2027-06-30"),
    entry(4, "withdraw", "L-0003"),
    entry(5, "publish", "L-0004", "2027-01-31"),
]


def feed(entries: list[dict]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/public/disclosures"
        after = int(request.url.params.get("cursor") or 0)
        limit = int(request.url.params["limit"])
        page = [e for e in entries if e["sequence"] > after][:limit]
        cursor = str(page[-1]["sequence"]) if page else str(after)
        return httpx.Response(
            200, json={"items": page, "next_cursor": cursor, "has_more": len(page) == limit}
        )

    return httpx.MockTransport(answer)


def test_mirror_holds_the_listings_in_force_and_resumes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mirror.db'}"
    mirror = DisclosureMirror(url, "http://credit.test", 1, transport=feed(FEED[:3]))
    assert not mirror.caught_up.is_set()
    assert mirror.sync().entries == 3 and mirror.caught_up.is_set()
    assert [item["id"] for item in mirror.listings(TODAY)] == ["L-0001", "L-0003"]
    mirror.engine.dispose()
    again = DisclosureMirror(url, "http://credit.test", 1, transport=feed(FEED))
    assert again.sync().entries == 2  # from the stored cursor: entries 4 and 5 only
    assert [item["id"] for item in again.listings(TODAY)] == ["L-0001", "L-0004"]
    assert [item["id"] for item in again.listings(date(2027, 2, 1))] == ["L-0001"]
    again.stop()
