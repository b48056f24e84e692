"""A listing proposal whose objection window runs into a year without an official table is
accepted with a provisional deadline; loading the table makes it official, and a move is
recorded, notified and announced. The 2027 table is TEST DATA, not the State Council's."""

from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from devtools.testing.contracts import outbox_events
from services.credit.adapters.orm import outbox
from services.credit.config import CreditSettings
from services.credit.entrypoints.api import create_app
from services.credit.service_layer.deadlines import refresh_objection_deadlines
from services.credit.service_layer.unit_of_work import CreditUnitOfWork
from shared.calendar.cli import main as qp_calendar
from shared.contracts.credit import ListingDeadlineChangedV1
from shared.events import contracts
from tests.credit.conftest import HANGZHOU, Clock
from tests.credit.test_api import proposal

TEST_TABLE = (
    Path(__file__).parents[1] / "shared" / "data" / "calendar-2027-TEST-DATA-not-official.csv"
)


def test_provisional_objection_deadline_becomes_official_when_the_table_is_loaded(
    serious_record: str,
    as_regulator: dict[str, str],
    as_enterprise: dict[str, str],
    clock: Clock,
    settings: CreditSettings,
    engine: Engine,
    tmp_path: Path,
) -> None:
    tables = tmp_path / "calendar"
    configured = CreditSettings(
        database_url=settings.database_url, environment="test", calendar_tables_dir=tables
    )
    clock.today = date(2027, 1, 25)
    with TestClient(create_app(configured, engine, today=clock)) as c:
        r = c.post("/listings", headers=as_regulator, json=proposal(serious_record))
        assert r.status_code == 201, r.text
        listing_id = r.json()["id"]
        # 15 days end on 02-09, a provisional Spring Festival day off (02-05, 02-08..10): 02-11
        view = c.get(f"/listings/{listing_id}", headers=as_regulator).json()
        assert view["objection_deadline"] == "2027-02-11"
        assert view["objection_deadline_provenance"] == "provisional"
        notices = c.get(f"/enterprises/{HANGZHOU}/notices", headers=as_enterprise).json()
        assert "2027-02-11" in notices[-1]["message"] and "provisional" in notices[-1]["message"]
        uow = CreditUnitOfWork(engine)
        assert refresh_objection_deadlines(uow, clock.today, configured.policy) == 0

        assert (
            qp_calendar(["--dir", str(tables), "load", str(TEST_TABLE), "--allow-test-data"]) == 0
        )
        assert refresh_objection_deadlines(uow, clock.today, configured.policy) == 1
        assert refresh_objection_deadlines(uow, clock.today, configured.policy) == 0

        view = c.get(f"/listings/{listing_id}", headers=as_regulator).json()
        assert view["objection_deadline"] == "2027-02-15"  # 02-05..12 off in the test table
        assert view["objection_deadline_provenance"] == "official"
        assert "TEST-DATA" in view["objection_calendar_version"]
        notices = c.get(f"/enterprises/{HANGZHOU}/notices", headers=as_enterprise).json()
        assert notices[-1]["kind"] == "objection_deadline_changed"
        assert "2027-02-11" in notices[-1]["message"] and "2027-02-15" in notices[-1]["message"]
        assert "working_calendar_last_official_day_timestamp_seconds" in c.get("/metrics").text
    [event] = [
        e
        for e in outbox_events(engine, outbox.table)
        if e.event_type == ListingDeadlineChangedV1.EVENT_TYPE
    ]
    payload = contracts.parse(event)
    assert isinstance(payload, ListingDeadlineChangedV1) and event.subject == HANGZHOU
    assert (payload.previous_deadline, payload.new_deadline) == (
        date(2027, 2, 11),
        date(2027, 2, 15),
    )


def test_working_day_publication_end_becomes_official_when_the_table_is_loaded(
    enterprises: None,
    as_regulator: dict[str, str],
    as_enterprise: dict[str, str],
    clock: Clock,
    settings: CreditSettings,
    engine: Engine,
    tmp_path: Path,
) -> None:
    from services.credit.service_layer.deadlines import refresh_publication_ends
    from shared.contracts.credit import RecordPublicationChangedV1
    from tests.credit.conftest import record
    from tests.credit.test_api import feed_all

    tables = tmp_path / "calendar"
    configured = CreditSettings(
        database_url=settings.database_url, environment="test", calendar_tables_dir=tables
    )
    clock.today = date(2027, 1, 25)
    body = record(record_class="spot_check_corrected", severity=None, decision_date="2027-01-25")
    with TestClient(create_app(configured, engine, today=clock)) as c:
        r = c.post("/records", headers=as_regulator, json=body)
        assert r.status_code == 201, r.text
        record_id = r.json()["id"]
        # 20 working days; provisionally 02-05 and 02-08..10 are off: ends Fri 02-26
        public = c.get(f"/records/{record_id}").json()
        assert public["publication_until"] == "2027-02-26"
        assert public["publication_until_provenance"] == "provisional"
        uow = CreditUnitOfWork(engine)
        assert refresh_publication_ends(uow, clock.today, configured.policy) == 0

        assert (
            qp_calendar(["--dir", str(tables), "load", str(TEST_TABLE), "--allow-test-data"]) == 0
        )
        assert refresh_publication_ends(uow, clock.today, configured.policy) == 1
        assert refresh_publication_ends(uow, clock.today, configured.policy) == 0

        # the test table: 02-05..12 off, Sat 02-20 a make-up working day: ends Mon 03-01
        public = c.get(f"/records/{record_id}").json()
        assert public["publication_until"] == "2027-03-01"
        assert public["publication_until_provenance"] == "official"
        assert "TEST-DATA" in public["publication_calendar_version"]
        steps = [i for i in feed_all(c) if i["id"] == record_id]
        assert [(i["action"], i.get("reason")) for i in steps] == [
            ("publish", None),
            ("publish", "publication_changed"),
        ]
        assert steps[-1]["record"]["publication_until"] == "2027-03-01"
        notices = c.get(f"/enterprises/{HANGZHOU}/notices", headers=as_enterprise).json()
        assert notices[-1]["kind"] == "publication_changed"
        assert "2027-02-26" in notices[-1]["message"] and "2027-03-01" in notices[-1]["message"]
    [event] = [
        e
        for e in outbox_events(engine, outbox.table)
        if e.event_type == RecordPublicationChangedV1.EVENT_TYPE
    ]
    payload = contracts.parse(event)
    assert isinstance(payload, RecordPublicationChangedV1) and event.subject == HANGZHOU
    assert (payload.previous_until, payload.new_until) == (date(2027, 2, 26), date(2027, 3, 1))
    assert (payload.previous_provenance, payload.new_provenance) == ("provisional", "official")
