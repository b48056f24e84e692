"""The use case a consumer of other services' events calls (issue 5), inside the consumer's own
transaction: its effect, feed entry and outbox rows commit or roll back with that transaction."""

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.credit.service_layer import records
from services.credit.service_layer.commands import AddRecord
from services.credit.service_layer.policy import SystemActor
from services.credit.service_layer.unit_of_work import CreditUnitOfWork
from shared.db import WRITE, is_sqlite
from tests.credit.conftest import NINGBO

CMD = AddRecord(
    uscc=NINGBO,
    record_class="spot_check_failed",
    title="Failed the national spot check",
    legal_basis="《产品质量法》第十五条",
    decision_number="SC-2026-0042",
    decision_date=date(2026, 8, 3),
    source_service="inspection",
    source_department="NB inspection team 3",
    source_event_id="4a4e1c2e-0000-4000-8000-00000000beef",
    enterprise_name="宁波海曙小家电厂",
)


def counts(engine: Engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(
            int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
            for t in ("enterprise", "credit_record", "disclosure_entry", "outbox")
        )


def consumer_session(engine: Engine) -> Session:
    return Session(engine.execution_options(**WRITE) if is_sqlite(engine) else engine)


def test_joined_use_case_rolls_back_with_the_consumer(engine: Engine) -> None:
    with pytest.raises(RuntimeError), consumer_session(engine) as session, session.begin():
        uow = CreditUnitOfWork(engine).joining(session)
        records.add_record(uow, CMD, SystemActor("inspection-consumer"), today=date(2026, 9, 1))
        raise RuntimeError("the consumer failed after the use case")
    assert counts(engine) == (0, 0, 0, 0)


def test_joined_use_case_commits_with_the_consumer_once(engine: Engine) -> None:
    for _ in range(2):  # a redelivery after the first commit is a no-op
        with consumer_session(engine) as session, session.begin():
            uow = CreditUnitOfWork(engine).joining(session)
            record = records.add_record(
                uow, CMD, SystemActor("inspection-consumer"), today=date(2026, 9, 1)
            )
    # enterprise created from the event, one record, one publish entry, added + grade events
    assert counts(engine) == (1, 1, 1, 2)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT source_service, source_department, decision_number, recorded_by "
                "FROM credit_record WHERE id = :id"
            ),
            {"id": record.id},
        ).one()
    assert tuple(row) == (
        "inspection",
        "NB inspection team 3",
        "SC-2026-0042",
        "system:inspection-consumer",
    )
