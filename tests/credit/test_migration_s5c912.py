"""Migration s5c912_0001: the listing becomes the one record of its proposer (the former
``listing_authority`` rows are folded in, and restored on downgrade)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from devtools.testing.databases import create_postgres_database, drop_database
from services.credit.config import SERVICE_DIR
from shared.db import make_engine
from shared.migrations import downgrade, upgrade
from tests.credit.test_migration_i12 import ENTERPRISE, LISTING


@pytest.fixture
def i12_database(backend: str, tmp_path: Path) -> Iterator[str]:
    url = (
        f"sqlite:///{tmp_path / 'i12.db'}"
        if backend == "sqlite"
        else create_postgres_database("credit_s5c912_mig")
    )
    upgrade(SERVICE_DIR, url, "i12_0001")
    yield url
    drop_database(url)


def _proposers(url: str) -> dict[str, tuple]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, proposer_level, proposer_region, proposer_department FROM listing "
                "ORDER BY id"
            )
        ).all()
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    return {r[0]: tuple(r[1:]) for r in rows} | {"tables": tuple(sorted(tables))}


def test_proposers_move_onto_the_listing_and_back(i12_database: str) -> None:
    engine = make_engine(i12_database)
    with engine.begin() as conn:
        conn.execute(text(ENTERPRISE))
        for id_ in ("DL-1", "DL-2", "DL-3"):
            conn.execute(text(LISTING), {"id": id_, "status": "proposed", "removal": None})
        # DL-1: proposed between i10 and i12 (only listing_authority knows its proposer);
        # DL-2: both know it; DL-3: proposed before either existed
        conn.execute(
            text(
                "INSERT INTO listing_authority VALUES "
                "('DL-1', 'municipal', '330100', 'HZAMR'), ('DL-2', 'provincial', '330000', 'ZJ')"
            )
        )
        conn.execute(
            text(
                "UPDATE listing SET proposer_level = 'provincial', proposer_region = '330000' "
                "WHERE id = 'DL-2'"
            )
        )
    engine.dispose()
    upgrade(SERVICE_DIR, i12_database)
    after = _proposers(i12_database)
    assert after["DL-1"] == ("municipal", "330100", "HZAMR")
    assert after["DL-2"] == ("provincial", "330000", "ZJ")
    assert after["DL-3"] == (None, None, None)
    assert "listing_authority" not in after["tables"]
    downgrade(SERVICE_DIR, i12_database, "i12_0001")
    engine = make_engine(i12_database)
    with engine.connect() as conn:
        restored = conn.execute(text("SELECT * FROM listing_authority ORDER BY listing_id")).all()
    engine.dispose()
    assert [tuple(r) for r in restored] == [
        ("DL-1", "municipal", "330100", "HZAMR"),
        ("DL-2", "provincial", "330000", "ZJ"),
    ]
