"""Issue 12: records from inspection results carry the product category's sector; risk
monitoring never becomes a spot-check record."""

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from services.credit.config import CreditSettings
from services.credit.domain.periods import add_months
from services.credit.domain.rules import DEFAULT_RULES
from tests.credit.conftest import bearer
from tests.credit.test_handlers import confirm_all, consumer, records, sample


def _record(engine: Engine) -> tuple[str, date, str]:
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT sector, decision_date, review_flag FROM credit_record")
        ).one()
    decided = row[1] if isinstance(row[1], date) else date.fromisoformat(row[1])
    return row[0], decided, row[2]


@pytest.mark.parametrize(
    ("name", "category", "sector", "months"),
    [
        ("inspection.result.published.v2.json", "food", "food", 12),
        ("inspection.result.published.v2.json", "special_equipment", "special_equipment", 12),
        ("inspection.result.published.v2.json", "toys", "industrial_products", 6),
        ("inspection.result.published.v1.json", None, "general", 6),
    ],
)
def test_sector_and_repair_period_come_from_the_product_category(
    engine: Engine,
    settings: CreditSettings,
    client: TestClient,
    as_enterprise: dict[str, str],
    name: str,
    category: str | None,
    sector: str,
    months: int,
) -> None:
    overrides = {"outcome": "fail"}
    if category:
        overrides["product_category"] = category
    consumer(engine, settings).handle_raw(sample(name, **overrides))
    confirm_all(client, settings)
    got_sector, decided, _ = _record(engine)
    assert got_sector == sector
    assert (
        DEFAULT_RULES.min_repair_publication(sector).length
        * (12 if DEFAULT_RULES.min_repair_publication(sector).unit.value == "years" else 1)
        == months
    )
    uscc = records(engine)[0][0]
    with engine.connect() as conn:
        record_id = conn.execute(text("SELECT id FROM credit_record")).scalar_one()
    own = bearer(settings, role="enterprise", sub="x", uscc=uscc)
    full = client.get(f"/records/{record_id}", headers=own).json()
    expected = add_months(decided, months) + timedelta(days=1)
    assert full["earliest_repair_application"] == expected.isoformat()


def test_risk_monitoring_never_becomes_a_spot_check_record(
    engine: Engine, settings: CreditSettings
) -> None:
    c = consumer(engine, settings)
    c.handle_raw(
        sample("inspection.result.published.v2.json", outcome="fail", check_type="risk_monitoring")
    )
    assert c.stats.processed == 1 and records(engine) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM record_proposal")).scalar_one() == 0
