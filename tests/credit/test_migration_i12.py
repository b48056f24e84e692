"""Issue 12, migration i12_0001: data made under the old behaviour is flagged, not changed."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from devtools.testing.databases import create_postgres_database, drop_database
from services.credit.config import SERVICE_DIR
from shared.db import make_engine
from shared.migrations import downgrade, upgrade

ENTERPRISE = (
    "INSERT INTO enterprise (uscc, name, region_code, category, risk_grade, grade_score, "
    "grade_rule_version, registered_at, version) VALUES ('91330100MA2ABCDE1R', 'E', '330100', "
    "'enterprise', 'D', 12, '2026.1', '2026-09-01 00:00:00', 1)"
)
RECORD = (
    "INSERT INTO credit_record (id, uscc, record_class, severity, sector, title, facts, "
    "legal_basis, decision_number, decision_date, source_service, source_department, "
    "publication_until, persons, source_event_id, disclosed, recorded_by, recorded_at) VALUES "
    "(:id, '91330100MA2ABCDE1R', :cls, :sev, 'general', 't', 'f', 'b', :num, '2026-03-02', "
    "'inspection', 'd', '2029-03-02', '[]', :event, :disclosed, 'r', '2026-03-02 00:00:00')"
)
LISTING = (
    "INSERT INTO listing (id, uscc, status, reason, legal_basis, basis_record_ids, "
    "measure_codes, term_years, proposed_on, proposed_by, objection_deadline, removal_reason, "
    "version) VALUES (:id, '91330100MA2ABCDE1R', :status, 'r', 'b', '[]', '[]', NULL, "
    "'2026-03-05', 'p', '2026-03-20', :removal, 1)"
)


@pytest.fixture
def old_database(backend: str, tmp_path: Path) -> Iterator[str]:
    url = (
        f"sqlite:///{tmp_path / 'old.db'}"
        if backend == "sqlite"
        else create_postgres_database("credit_i12_mig")
    )
    upgrade(SERVICE_DIR, url, "0001")
    yield url
    drop_database(url)


def test_old_records_and_listings_are_flagged_for_review(old_database: str) -> None:
    engine = make_engine(old_database)
    with engine.begin() as conn:
        conn.execute(text(ENTERPRISE))
        rows = [
            ("CR-1", "penalty_warning", "minor", "N1", None, True),
            ("CR-2", "spot_check_failed", "general", "N2", "ev-2", True),
            ("CR-3", "penalty", "serious", "N3", None, True),
        ]
        for id_, cls, sev, num, event, disclosed in rows:
            conn.execute(
                text(RECORD),
                {
                    "id": id_,
                    "cls": cls,
                    "sev": sev,
                    "num": num,
                    "event": event,
                    "disclosed": disclosed,
                },
            )
        for id_, status, removal in (
            ("DL-1", "listed", None),
            ("DL-2", "removed", "repaired"),
            ("DL-3", "removed", "term_ended"),
        ):
            conn.execute(text(LISTING), {"id": id_, "status": status, "removal": removal})
    engine.dispose()
    upgrade(SERVICE_DIR, old_database)
    engine = make_engine(old_database)
    with engine.connect() as conn:
        records: dict[str, Any] = dict(
            conn.execute(text("SELECT id, review_flag FROM credit_record")).all()
        )
        listings: dict[str, Any] = dict(
            conn.execute(text("SELECT id, review_flag FROM listing")).all()
        )
        unchanged = conn.execute(
            text("SELECT count(*) FROM credit_record WHERE disclosed = true")
        ).scalar_one()
    engine.dispose()
    assert "warning published" in records["CR-1"]
    assert "another service's event" in records["CR-2"]
    assert records["CR-3"] is None
    assert "not checked" in listings["DL-1"] and "credit repair" in listings["DL-2"]
    assert listings["DL-3"] is None
    assert unchanged == 3  # flagged, not changed
    downgrade(SERVICE_DIR, old_database, "0001")  # and the migration reverses
