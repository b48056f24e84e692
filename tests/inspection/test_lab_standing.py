"""Registry lab events reach the inspection lab pool (issue 14): banned, withdrawn or expired
labs are no longer drawn; a late, older event does not bring them back."""

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from services.inspection.adapters.orm import LabRow
from services.inspection.service_layer.unit_of_work import InspectionUnitOfWork
from tests.inspection.test_handlers import consumer, rows, sample

LAB_EVENT = "registry.lab.status_changed.v1.json"


def _labs(engine: Engine) -> None:
    with InspectionUnitOfWork(engine) as uow:
        for lab_id in ("CNAS-L1234", "CNAS-L5678"):
            uow.session.add(
                LabRow(
                    id=lab_id,
                    name=lab_id,
                    region_code="330100",
                    accredited_categories=["toys"],
                    conflicts=[],
                    active=True,
                    updated_at=datetime.now(UTC),
                )
            )
        uow.commit()


def _pool(engine: Engine) -> list[str]:
    with InspectionUnitOfWork(engine) as uow:
        return uow.rosters.lab_pool()["lab_id"]


def test_banned_lab_leaves_the_pool_and_late_events_are_ignored(engine: Engine) -> None:
    _labs(engine)
    assert _pool(engine) == ["CNAS-L1234", "CNAS-L5678"]
    c = consumer(engine)
    ban = sample(
        LAB_EVENT,
        event_id="00000000-0000-4000-8000-0000000000b2",
        occurred_at="2026-11-21T10:00:00Z",
    )
    earlier_active = sample(
        LAB_EVENT,
        event_id="00000000-0000-4000-8000-0000000000b1",
        occurred_at="2026-11-20T10:00:00Z",
        to_status="active",
        eligible=True,
        reason_code="initial_accreditation",
    )
    c.handle_raw(ban)
    c.handle_raw(earlier_active)  # arrives late: must not readmit the banned lab
    c.handle_raw(ban)  # redelivered
    assert _pool(engine) == ["CNAS-L5678"]
    assert rows(engine, "SELECT lab_id, status, eligible FROM lab_standing") == [
        ("CNAS-L1234", "banned", False)
    ] or rows(engine, "SELECT lab_id, status, eligible FROM lab_standing") == [
        ("CNAS-L1234", "banned", 0)
    ]
    assert c.stats.duplicates == 1


def test_reaccredited_lab_returns_to_the_pool(engine: Engine) -> None:
    _labs(engine)
    c = consumer(engine)
    c.handle_raw(
        sample(
            LAB_EVENT,
            event_id="00000000-0000-4000-8000-0000000000c1",
            occurred_at="2026-11-20T10:00:00Z",
            to_status="expired",
            reason_code="accreditation_expired",
        )
    )
    assert _pool(engine) == ["CNAS-L5678"]
    c.handle_raw(
        sample(
            LAB_EVENT,
            event_id="00000000-0000-4000-8000-0000000000c2",
            occurred_at="2026-11-22T10:00:00Z",
            to_status="active",
            eligible=True,
            reason_code="reaccreditation",
        )
    )
    assert _pool(engine) == ["CNAS-L1234", "CNAS-L5678"]
