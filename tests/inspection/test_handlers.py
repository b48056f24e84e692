"""Credit and registry events applied by the inspection consumer's handler (golden samples)."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from services.inspection.adapters.orm import processed_events
from services.inspection.service_layer.handlers import TOPICS, make_handler
from shared.consumer import IdempotentConsumer
from shared.contracts.catalog import SAMPLES

HOLDER = "91330100MA2ABCDEXG"


class NoBroker:
    def send(self, *_a: object, **_k: object) -> None:
        raise AssertionError("unexpected dead-lettering")


def consumer(engine: Engine) -> IdempotentConsumer:
    return IdempotentConsumer(
        name="inspection-consumer",
        topics=TOPICS,
        engine=engine,
        processed_table=processed_events,
        handler=make_handler(engine),
        max_attempts=1,
        consumer_factory=lambda: None,
        producer_factory=lambda: NoBroker(),
    )


def sample(
    name: str, *, event_id: str | None = None, occurred_at: str | None = None, **payload: object
) -> bytes:
    data = json.loads((SAMPLES / name).read_text())
    data["payload"].update(payload)
    if event_id:
        data["event_id"] = event_id
    if occurred_at:
        data["occurred_at"] = occurred_at
    return json.dumps(data).encode()


def rows(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_risk_grade_reaches_the_roster_and_older_events_are_ignored(engine: Engine) -> None:
    c = consumer(engine)
    newer = sample(
        "credit.risk_grade.changed.v1.json",
        uscc=HOLDER,
        to_grade="D",
        event_id="00000000-0000-4000-8000-000000000002",
        occurred_at="2026-11-21T10:00:00Z",
    )
    older = sample(
        "credit.risk_grade.changed.v1.json",
        uscc=HOLDER,
        to_grade="B",
        event_id="00000000-0000-4000-8000-000000000001",
        occurred_at="2026-11-20T10:00:00Z",
    )
    c.handle_raw(newer)
    c.handle_raw(older)  # arrives late: must not overwrite the newer grade
    c.handle_raw(newer)  # redelivered
    assert rows(engine, "SELECT uscc, risk_class FROM enterprise_risk") == [(HOLDER, "D")]
    assert c.stats.duplicates == 1


def test_inspection_measures_apply_and_lift_others_are_ignored(engine: Engine) -> None:
    c = consumer(engine)
    c.handle_raw(sample("credit.measure.applied.v1.json"))  # enforced by the registry
    assert rows(engine, "SELECT uscc FROM dishonesty_measure") == []
    c.handle_raw(
        sample(
            "credit.measure.applied.v1.json",
            enforcing_service="inspection",
            measure_code="no_six_month_exemption",
            event_id="00000000-0000-4000-8000-0000000000a1",
        )
    )
    assert rows(engine, "SELECT uscc, active FROM dishonesty_measure") == [(HOLDER, True)]
    c.handle_raw(
        sample(
            "credit.measure.lifted.v1.json",
            enforcing_service="inspection",
            measure_code="no_six_month_exemption",
            event_id="00000000-0000-4000-8000-0000000000a2",
        )
    )
    assert rows(engine, "SELECT uscc, active FROM dishonesty_measure") == [(HOLDER, False)]


def test_certificates_mark_certified_products(engine: Engine) -> None:
    c = consumer(engine)
    c.handle_raw(sample("registry.certificate.issued.v1.json"))
    c.handle_raw(
        sample("registry.certificate.suspended.v1.json", occurred_at="2026-11-21T08:30:00Z")
    )
    assert rows(
        engine, "SELECT certificate_number, uscc, model, status FROM certified_product"
    ) == [("CCC-2026-000001", HOLDER, "KT-1800", "suspended")]


@pytest.mark.parametrize(
    "path",
    sorted([*SAMPLES.glob("credit.*.json"), *SAMPLES.glob("registry.*.json")]),
    ids=lambda p: p.name,
)
def test_every_consumed_golden_sample_is_accepted(path: Path, engine: Engine) -> None:
    c = consumer(engine)
    c.handle_raw(path.read_bytes())
    assert c.stats.processed == 1 and c.stats.dead_lettered == 0


def test_a_plan_can_target_certified_products(
    client: TestClient, roster: list[str], as_zj: dict[str, str], engine: Engine
) -> None:
    """Registry certificate events mark units; a plan scoped to CCC covers only those."""
    from tests.inspection.conftest import create_plan, freeze, units_csv

    rows = [line.split(",") for line in units_csv(30).strip().splitlines()[1:]]
    certified = rows[:3]  # (uscc, name, product, model, ...)
    c = consumer(engine)
    for i, row in enumerate(certified):
        c.handle_raw(
            sample(
                "registry.certificate.issued.v1.json",
                number=f"CCC-T-{i}",
                holder_uscc=row[0],
                product_model=row[3],
                event_id=f"00000000-0000-4000-8000-0000000c{i:04d}",
            )
        )
    c.handle_raw(
        sample(
            "registry.certificate.issued.v1.json",
            number="ISO-T-9",
            scheme="ISO9001",
            holder_uscc=rows[5][0],
            product_model=rows[5][3],
            event_id="00000000-0000-4000-8000-0000000c9999",
        )
    )
    c.handle_raw(
        sample(
            "registry.certificate.revoked.v1.json",
            number="CCC-T-2",
            holder_uscc=certified[2][0],
            product_model=certified[2][3],
            event_id="00000000-0000-4000-8000-0000000d0002",
            occurred_at="2026-11-21T08:30:00Z",
        )
    )
    plan_id = create_plan(
        client,
        as_zj,
        scope={"certified_schemes": ["CCC"]},
        sampling={
            "weights": {"A": 1, "B": 2, "C": 4, "D": 8},
            "strata": [{"risk_classes": ["A", "B", "C", "D"], "size": 1}],
        },
    )
    snapshot = freeze(client, as_zj, plan_id)
    assert snapshot["unit_count"] == 2  # CCC-T-0 and CCC-T-1; CCC-T-2 revoked, ISO not CCC


def test_a_lift_that_overtakes_its_apply_leaves_no_measure(engine: Engine) -> None:
    c = consumer(engine)
    kw = {"enforcing_service": "inspection", "measure_code": "no_six_month_exemption"}
    c.handle_raw(
        sample(
            "credit.measure.lifted.v1.json", **kw, event_id="00000000-0000-4000-8000-0000000000b2"
        )
    )
    c.handle_raw(
        sample(
            "credit.measure.applied.v1.json", **kw, event_id="00000000-0000-4000-8000-0000000000b1"
        )
    )
    assert rows(engine, "SELECT uscc, active FROM dishonesty_measure") == [(HOLDER, False)]


def test_a_plan_can_target_uncertified_ccc_products(
    client: TestClient, roster: list[str], as_zj: dict[str, str], engine: Engine
) -> None:
    """Linked supervision (issue 14): CCC-catalogue units whose producer holds no valid CCC
    certificate for the model, from the registry's events."""
    from tests.inspection.conftest import create_plan, freeze, units_csv

    rows = [line.split(",") for line in units_csv(30).strip().splitlines()[1:]]
    c = consumer(engine)
    for i, row in enumerate(rows[:3]):
        c.handle_raw(
            sample(
                "registry.certificate.issued.v1.json",
                number=f"CCC-U-{i}",
                holder_uscc=row[0],
                product_model=row[3],
                event_id=f"00000000-0000-4000-8000-0000000e{i:04d}",
            )
        )
    c.handle_raw(
        sample(
            "registry.certificate.revoked.v1.json",
            number="CCC-U-2",
            holder_uscc=rows[2][0],
            product_model=rows[2][3],
            event_id="00000000-0000-4000-8000-0000000f0002",
            occurred_at="2026-11-21T08:30:00Z",
        )
    )
    plan_id = create_plan(
        client,
        as_zj,
        scope={"uncertified_ccc": True},
        sampling={
            "weights": {"A": 1, "B": 2, "C": 4, "D": 8},
            "strata": [{"risk_classes": ["A", "B", "C", "D"], "size": 1}],
        },
    )
    snapshot = freeze(client, as_zj, plan_id)
    assert snapshot["unit_count"] == 28  # 30 CCC-catalogue units, 2 with a valid CCC
