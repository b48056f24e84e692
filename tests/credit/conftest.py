from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from devtools.testing.databases import drop_database, empty_tables, new_database
from services.credit.adapters.orm import metadata
from services.credit.config import SERVICE_DIR, CreditSettings
from services.credit.entrypoints.api import create_app
from shared import uscc
from shared.auth.tokens import dev_token
from shared.db import make_engine

# Legal dates are pinned inside years the official calendar covers (chinese-calendar <= 2026).
TODAY = date(2026, 9, 1)
HANGZHOU = uscc.make("91330100MA2ABCDE")  # region 330100, Zhejiang
NINGBO = uscc.make("91330200MA2XYW01")  # region 330200, Zhejiang
BEIJING = uscc.make("9111000010001234")  # region 110000


class Clock:
    """The legal date the app sees; tests move it forward."""

    def __init__(self, today: date) -> None:
        self.today = today

    def __call__(self) -> date:
        return self.today


@pytest.fixture(scope="session")
def credit_db_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = new_database(backend, SERVICE_DIR, tmp_path_factory.mktemp("credit"), "credit")
    yield url
    drop_database(url)


@pytest.fixture
def settings(credit_db_url: str) -> CreditSettings:
    return CreditSettings(
        database_url=credit_db_url, environment="test", cache_refresh_seconds=0.05
    )


@pytest.fixture
def engine(settings: CreditSettings) -> Iterator[Engine]:
    eng = make_engine(settings.database_url)
    yield eng
    empty_tables(eng, metadata)
    eng.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock(TODAY)


@pytest.fixture
def client(settings: CreditSettings, engine: Engine, clock: Clock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine, today=clock), raise_server_exceptions=False) as c:
        yield c


def bearer(settings: CreditSettings, **claims: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {dev_token(settings, **claims)}"}


@pytest.fixture
def as_regulator(settings: CreditSettings) -> dict[str, str]:
    return bearer(
        settings,
        role="regulator",
        sub="zj-amr-1",
        authority_level="provincial",
        region_code="330000",
        department="ZJAMR",
    )


@pytest.fixture
def as_beijing(settings: CreditSettings) -> dict[str, str]:
    return bearer(
        settings,
        role="regulator",
        sub="bj-amr-1",
        authority_level="municipal",
        region_code="110100",
        department="BJAMR",
    )


@pytest.fixture
def as_enterprise(settings: CreditSettings) -> dict[str, str]:
    return bearer(settings, role="enterprise", sub="hz-user", uscc=HANGZHOU)


@pytest.fixture
def as_other_enterprise(settings: CreditSettings) -> dict[str, str]:
    return bearer(settings, role="enterprise", sub="nb-user", uscc=NINGBO)


@pytest.fixture
def as_body(settings: CreditSettings) -> dict[str, str]:
    return bearer(settings, role="certification_body", sub="cqc", body_id="CNCA-R-2002-001")


def record(**overrides: object) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "uscc": HANGZHOU,
        "record_class": "penalty",
        "severity": "serious",
        "sector": "general",
        "title": "Sold substandard electric kettles",
        "facts": "Kettles failed GB 4706.19 in a spot check; responsible person 王小明.",
        "legal_basis": "《中华人民共和国产品质量法》第四十九条",
        "decision_number": "杭市监罚〔2026〕12号",
        "decision_date": "2026-03-02",
        "persons": [
            {"role": "legal representative", "name": "王小明", "id_number": "330102198001011234"}
        ],
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def enterprises(client: TestClient, as_regulator: dict[str, str]) -> None:
    for code, name in ((HANGZHOU, "杭州安源电器有限公司"), (NINGBO, "宁波海曙小家电厂")):
        r = client.post(
            "/enterprises",
            headers=as_regulator,
            json={"uscc": code, "name": name, "category": "enterprise"},
        )
        assert r.status_code == 201, r.text


@pytest.fixture
def serious_record(client: TestClient, enterprises: None, as_regulator: dict[str, str]) -> str:
    r = client.post("/records", headers=as_regulator, json=record())
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def problem(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["code"] == code, body
    return body
