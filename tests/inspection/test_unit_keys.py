"""One unit, one key (issue 13, item 2): normalised product names and models, the alias
table, and the migration that keys (and merges) the units imported before."""

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from devtools.testing.databases import drop_database, new_database
from services.inspection.config import SERVICE_DIR
from services.inspection.domain import unit_key as uk
from services.inspection.domain.roster import UNIT_COLUMNS
from shared import migrations
from shared.db import make_engine
from tests.inspection.conftest import enterprise_uscc, post_csv

ENTERPRISE = enterprise_uscc(7, "330100")


@pytest.mark.parametrize(
    "variant", ["M-24", "M－24", "m-24", "Ｍ－２４", " M – 24 ", "M‐24", "m —24", "M\u221224"]
)
def test_model_variants_normalise_to_one_key(variant: str) -> None:
    assert uk.normalise(variant) == "m-24"
    assert uk.unit_key(ENTERPRISE, "Kettle", variant) == uk.unit_key(ENTERPRISE, "kettle", "M-24")


def test_brackets_whitespace_and_case() -> None:
    assert uk.normalise("电水壶（2L）") == uk.normalise("电水壶 [2l]") == "电水壶(2l)"
    assert uk.normalise("Air  Fryer\tXL") == "air fryer xl"
    assert uk.normalise("A/B") == uk.normalise("A / B")
    assert uk.unit_key(ENTERPRISE, "Kettle", "M-24") != uk.unit_key(ENTERPRISE, "Kettle", "M-25")
    other = enterprise_uscc(8, "330100")
    assert uk.unit_key(ENTERPRISE, "Kettle", "M-24") != uk.unit_key(other, "Kettle", "M-24")


def test_aliases_apply_per_enterprise_before_everyone() -> None:
    aliases = {("model", ENTERPRISE, "m24"): "m-24", ("product_name", "", "电水壶"): "电热水壶"}
    assert uk.unit_key(ENTERPRISE, "电水壶", "M24", aliases) == uk.unit_key(
        ENTERPRISE, "电热水壶", "m-24"
    )
    other = enterprise_uscc(8, "330100")
    assert uk.unit_key(other, "电水壶", "M24", aliases) != uk.unit_key(other, "电热水壶", "m-24")


def _units(*models: str, uscc: str = ENTERPRISE) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(UNIT_COLUMNS))
    for model in models:
        writer.writerow(
            [
                uscc,
                "某电器有限公司",
                "Electric kettle",
                model,
                "electrical",
                "household_appliances",
                "330100",
                "B",
            ]
        )
    return out.getvalue()


def test_reimports_of_variants_update_the_same_unit(
    client: TestClient, as_zj: dict[str, str]
) -> None:
    r = post_csv(client, "/rosters/units/import", _units("M-24"), as_zj)
    assert r.json() == {"rows": 1, "created": 1, "updated": 0}
    for variant in ("M－24", "m-24"):
        r = post_csv(client, "/rosters/units/import", _units(variant), as_zj)
        assert r.json() == {"rows": 1, "created": 0, "updated": 1}, r.text
    r = post_csv(client, "/rosters/units/import", _units("M－24", "m-24"), as_zj)
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "duplicate_unit"


def test_alias_table_maps_later_imports(client: TestClient, as_zj: dict[str, str]) -> None:
    post_csv(client, "/rosters/units/import", _units("M-24"), as_zj)
    body = {"field": "model", "alias": "M24", "canonical": "M-24", "reason": "catalogue spelling"}
    r = client.post(
        "/rosters/unit-aliases", headers=as_zj, json={**body, "enterprise_uscc": ENTERPRISE}
    )
    assert r.status_code == 201, r.text
    assert r.json()["alias"] == "m24" and r.json()["canonical"] == "m-24"
    r = post_csv(client, "/rosters/units/import", _units("M 24".replace(" ", "")), as_zj)
    assert r.json()["created"] == 0 and r.json()["updated"] == 1
    assert client.get("/rosters/unit-aliases", headers=as_zj).json()[0]["alias"] == "m24"
    # bad input
    r = client.post(
        "/rosters/unit-aliases",
        headers=as_zj,
        json={**body, "field": "enterprise_uscc", "alias": ENTERPRISE, "canonical": "X"},
    )
    assert r.status_code == 422 and r.json()["code"] == "alias_merges_enterprises"
    r = client.post("/rosters/unit-aliases", headers=as_zj, json={**body, "alias": "ｍ-２４"})
    assert r.status_code == 422 and r.json()["code"] == "alias_redundant"
    r = client.post(
        "/rosters/unit-aliases",
        headers=as_zj,
        json={**body, "alias": "M-240", "canonical": "M24", "enterprise_uscc": ENTERPRISE},
    )
    assert r.status_code == 409 and r.json()["code"] == "alias_chain"
    r = client.post("/rosters/unit-aliases", json=body)
    assert r.status_code == 401


def test_migration_keys_existing_units_and_merges_duplicates(backend: str, tmp_path: Path) -> None:
    url = new_database(backend, SERVICE_DIR, tmp_path, "inspection_keys")
    try:
        migrations.downgrade(SERVICE_DIR, url, "0003")
        engine = make_engine(url)
        now = datetime(2026, 11, 1, tzinfo=UTC)
        with engine.begin() as conn:
            for unit_id, model in (
                ("UOLDUPPER", "M-24"),
                ("UOLDFULLWIDTH", "M－24"),
                ("UOTHER", "X"),
            ):
                conn.execute(
                    text(
                        "INSERT INTO unit (id, enterprise_uscc, enterprise_name, product_name,"
                        " model, industry, product_category, region_code, risk_class, updated_at)"
                        " VALUES (:id, :uscc, 'E', 'Kettle', :model, 'electrical',"
                        " 'household_appliances', '330100', 'B', :now)"
                    ),
                    {"id": unit_id, "uscc": ENTERPRISE, "model": model, "now": now},
                )
            conn.execute(
                text(
                    "INSERT INTO check_record (unit_id, enterprise_uscc, authority_level,"
                    " region_code, check_type, outcome, sampling_date, recorded_at) VALUES"
                    " ('UOLDUPPER', :uscc, 'county', '330102', 'supervisory_spot_check',"
                    " 'pass', :day, :now)"
                ),
                {"uscc": ENTERPRISE, "day": date(2026, 10, 1), "now": now},
            )
        engine.dispose()
        migrations.upgrade(SERVICE_DIR, url)
        engine = make_engine(url)
        with engine.connect() as conn:
            units = set(conn.execute(text("SELECT id FROM unit")).scalars())
            assert units == {"UOLDFULLWIDTH", "UOTHER"}  # the smaller id survives
            merged = conn.execute(text("SELECT merged_id, unit_id FROM unit_merge")).all()
            assert [tuple(m) for m in merged] == [("UOLDUPPER", "UOLDFULLWIDTH")]
            history = conn.execute(text("SELECT unit_id FROM check_record")).scalars().all()
            assert history == ["UOLDFULLWIDTH"]  # the pass now counts for the survivor
            keys: dict[str, str] = dict(
                conn.execute(text("SELECT unit_id, key FROM unit_key")).all()
            )
            assert keys["UOLDFULLWIDTH"] == uk.unit_key(ENTERPRISE, "Kettle", "m-24")
        engine.dispose()
    finally:
        drop_database(url)
