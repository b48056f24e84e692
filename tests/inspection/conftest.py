"""Fixtures for the inspection tests: a migrated database per backend, an app, tokens, rosters."""

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import cast

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, Table
from sqlalchemy.engine import Engine
from sqlmodel import col

from devtools.testing.databases import drop_database, empty_tables, new_database
from services.inspection.adapters.orm import metadata
from services.inspection.config import SERVICE_DIR, InspectionSettings
from services.inspection.domain.roster import UNIT_COLUMNS, unit_id_for
from services.inspection.entrypoints.api import create_app
from shared import uscc
from shared.auth import AuthorityLevel, Principal, Role
from shared.auth.tokens import dev_token
from shared.clock import today_in_china
from shared.db import make_engine
from tests.support import app_of, table_of

TEST_CALENDAR = Path(__file__).parent / "data" / "workdays-2027-TEST-DATA-not-official.json"
CITIES = ("330100", "330200", "330300")  # Hangzhou, Ningbo, Wenzhou
CATEGORIES = ("household_appliances", "toys")

ZJ = {
    "role": "regulator",
    "sub": "zj-amr-1",
    "authority_level": "provincial",
    "region_code": "330000",
    "department": "ZJAMR",
}
HZ = {
    "role": "regulator",
    "sub": "hz-amr-1",
    "authority_level": "municipal",
    "region_code": "330100",
    "department": "HZAMR",
}
NATIONAL = {
    "role": "regulator",
    "sub": "samr-1",
    "authority_level": "national",
    "region_code": "100000",
    "department": "SAMR",
}
JS = {
    "role": "regulator",
    "sub": "js-amr-1",
    "authority_level": "provincial",
    "region_code": "320000",
    "department": "JSAMR",
}


def principal(claims: dict) -> Principal:
    return Principal(
        role=Role(claims["role"]),
        subject=claims["sub"],
        authority_level=AuthorityLevel(claims["authority_level"])
        if "authority_level" in claims
        else None,
        department=claims.get("department"),
        region_code=claims.get("region_code"),
        uscc=claims.get("uscc"),
    )


def enterprise_uscc(i: int, region: str) -> str:
    return uscc.make(f"91{region}M{i:07d}")


def units_csv(count: int = 30, *, start: int = 0, risk: str | None = None) -> str:
    """``count`` units: enterprises spread over three cities, two product categories."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(UNIT_COLUMNS))
    for i in range(start, start + count):
        region = CITIES[(i // 2) % 3]  # an enterprise makes one appliance and one toy
        category = CATEGORIES[i % 2]
        writer.writerow(
            [
                enterprise_uscc(i // 2, region),
                f"企业{i // 2}有限公司",
                "Electric kettle" if category == CATEGORIES[0] else "Plush toy",
                f"M-{i}",
                "electrical" if category == CATEGORIES[0] else "toys",
                category,
                region,
                risk or "ABCD"[i % 4],
            ]
        )
    return out.getvalue()


def unit_ids_of(text: str) -> list[str]:
    rows = list(csv.DictReader(io.StringIO(text)))
    return [unit_id_for(r["enterprise_uscc"], r["product_name"], r["model"]) for r in rows]


def inspectors_csv(per_city: int = 4, conflicts: dict[str, str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "inspector_id",
            "name",
            "department",
            "region_code",
            "qualifications",
            "expertise",
            "conflicts",
        ]
    )
    for c, city in enumerate(CITIES):
        for k in range(per_city):
            ident = f"INS-{city}-{k}"
            writer.writerow(
                [
                    ident,
                    f"张{'三四五六七八'[k % 6]}{c}",
                    "ZJAMR",
                    city,
                    "CMA",
                    ";".join(CATEGORIES),
                    (conflicts or {}).get(ident, ""),
                ]
            )
    return out.getvalue()


def labs_csv(conflicts: dict[str, str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["lab_id", "name", "region_code", "accredited_categories", "conflicts"])
    for k, city in enumerate(CITIES):
        ident = f"CNAS-L{1000 + k}"
        writer.writerow(
            [
                ident,
                f"浙江检测{k}号实验室",
                city,
                ";".join(CATEGORIES),
                (conflicts or {}).get(ident, ""),
            ]
        )
    return out.getvalue()


def plan_body(**overrides: object) -> dict:
    today = today_in_china()
    body: dict = {
        "name": "2026 provincial spot check of appliances and toys",
        "sampling": {
            "weights": {"A": 1, "B": 2, "C": 4, "D": 8},
            "strata": [{"risk_classes": ["A", "B", "C", "D"], "size": 5}],
        },
        "team_size": 2,
        "cross_region_teams": True,
        "period_start": (today - timedelta(days=30)).isoformat(),
        "period_end": (today - timedelta(days=1)).isoformat(),
    }
    body.update(overrides)
    return body


@pytest.fixture(scope="session")
def inspection_db_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = new_database(backend, SERVICE_DIR, tmp_path_factory.mktemp("inspection"), "inspection")
    yield url
    drop_database(url)


@pytest.fixture
def settings(inspection_db_url: str) -> InspectionSettings:
    # tests not about contributions draw on the server's seed (test_draw_inputs sets 2)
    return InspectionSettings(
        database_url=inspection_db_url,
        environment="test",
        workday_calendar_file=TEST_CALENDAR,
        draw_contributions_required=0,
    )


@pytest.fixture
def engine(settings: InspectionSettings) -> Iterator[Engine]:
    eng = make_engine(settings.database_url)
    yield eng
    _empty(eng)
    eng.dispose()


def _empty(eng: Engine) -> None:
    """Empty every table but the policy versions the migration seeded."""
    from sqlalchemy import delete

    from services.inspection.adapters.orm import PolicyRow

    keep = {"eligibility_policy"}
    # empty_tables reads nothing of its metadata but sorted_tables
    kept = _Meta([t for t in metadata.sorted_tables if t.name not in keep])
    empty_tables(eng, cast(MetaData, kept))
    with eng.begin() as conn:
        conn.execute(delete(table_of(PolicyRow)).where(col(PolicyRow.version) > 1))


class _Meta:
    def __init__(self, tables: list[Table]) -> None:
        self.sorted_tables = tables


@pytest.fixture
def client(settings: InspectionSettings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine), raise_server_exceptions=False) as c:
        yield c


def bearer(settings: InspectionSettings, claims: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {dev_token(settings, **claims)}"}


@pytest.fixture
def as_zj(settings: InspectionSettings) -> dict[str, str]:
    return bearer(settings, ZJ)


@pytest.fixture
def as_hz(settings: InspectionSettings) -> dict[str, str]:
    return bearer(settings, HZ)


@pytest.fixture
def as_national(settings: InspectionSettings) -> dict[str, str]:
    return bearer(settings, NATIONAL)


@pytest.fixture
def as_js(settings: InspectionSettings) -> dict[str, str]:
    return bearer(settings, JS)


def as_enterprise(settings: InspectionSettings, code: str) -> dict[str, str]:
    return bearer(settings, {"role": "enterprise", "sub": f"ent-{code}", "uscc": code})


def post_csv(client: TestClient, path: str, text: str, headers: dict[str, str]) -> httpx.Response:
    csv_headers = {**headers, "Content-Type": "text/csv"}
    r: httpx.Response = client.post(path, content=text.encode(), headers=csv_headers)
    return r


@pytest.fixture
def roster(client: TestClient, as_zj: dict[str, str]) -> list[str]:
    """30 units, 12 inspectors (4 per city), 3 labs; returns the unit ids."""
    text = units_csv(30)
    for path, body in (
        ("/rosters/units/import", text),
        ("/rosters/inspectors/import", inspectors_csv()),
        ("/rosters/labs/import", labs_csv()),
    ):
        r = post_csv(client, path, body, as_zj)
        assert r.status_code == 200, r.text
    return unit_ids_of(text)


def create_plan(client: TestClient, headers: dict[str, str], **overrides: object) -> str:
    r = client.post("/plans", headers=headers, json=plan_body(**overrides))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def freeze(client: TestClient, headers: dict[str, str], plan_id: str) -> dict:
    r = client.post(f"/plans/{plan_id}/snapshots", headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def draw(
    client: TestClient, headers: dict[str, str], snapshot_id: str, reason: str | None = None
) -> dict:
    r = client.post(
        f"/snapshots/{snapshot_id}/draw",
        headers=headers,
        json={"redraw_reason": reason} if reason else {},
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def tasks_of(
    client: TestClient, headers: dict[str, str], plan_id: str, status: str | None = None
) -> list[dict]:
    params = {"limit": 500, **({"status": status} if status else {})}
    r = client.get(f"/plans/{plan_id}/tasks", headers=headers, params=params)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def sampled(days_ago: int = 0) -> str:
    return (today_in_china() - timedelta(days=days_ago)).isoformat()


def backdate_draw(client: TestClient, draw_id: str, days: int) -> None:
    """Date a draw ``days`` earlier, for tests whose samples were taken in the past (sampling
    is never dated before its draw)."""
    from sqlalchemy import select, update

    from services.inspection.adapters.orm import DrawRow

    table = table_of(DrawRow)
    column = table.c
    with app_of(client).state.engine.begin() as conn:
        drawn_at = conn.execute(select(column.drawn_at).where(column.id == draw_id)).scalar_one()
        conn.execute(
            update(table)
            .where(column.id == draw_id)
            .values(drawn_at=drawn_at - timedelta(days=days))
        )
