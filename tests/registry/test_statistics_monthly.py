"""Monthly certification statistics by scheme and region, in the change feed's terms."""

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col

from services.registry.adapters.orm import TransitionRow
from tests.registry.test_api import problem


def test_monthly_counts_by_scheme_and_region(
    client: TestClient, engine: Engine, issued: str, as_body_a: dict[str, str]
) -> None:
    for action, code in (("suspend", "misuse_of_mark"), ("restore", "corrective_action_verified")):
        r = client.post(
            f"/certificates/{issued}/{action}", headers=as_body_a, json={"reason_code": code}
        )
        assert r.status_code == 200
    # issued at 16:30 UTC on 31 December 2025: already 1 January 2026 in China
    with engine.begin() as conn:
        conn.execute(
            update(TransitionRow)
            .where(col(TransitionRow.action) == "issue")
            .values(occurred_at=datetime(2025, 12, 31, 16, 30, tzinfo=UTC))
        )
    this_month = f"{date.today():%Y-%m}"
    r = client.get("/public/statistics/monthly")
    assert r.status_code == 200
    assert r.json()["items"] == [
        {
            "month": this_month,
            "scheme": "CCC",
            "region_code": "330000",
            "counts": {"suspend": 1, "restore": 1},
        }
    ]
    r = client.get("/public/statistics/monthly?from=2025-12&to=2026-01&region_level=city")
    assert r.json()["items"] == [
        {"month": "2026-01", "scheme": "CCC", "region_code": "330100", "counts": {"issued": 1}}
    ]
    assert (
        client.get("/public/statistics/monthly?from=2025-12&to=2025-12&scheme=ISO9001").json()[
            "items"
        ]
        == []
    )
    problem(client.get("/public/statistics/monthly?from=2025-13"), 422, "invalid_month")
    problem(
        client.get("/public/statistics/monthly?from=2026-02&to=2026-01"), 422, "invalid_month_range"
    )
    problem(
        client.get("/public/statistics/monthly?region_level=street"), 422, "invalid_region_level"
    )
