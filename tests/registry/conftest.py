from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from devtools.testing.databases import drop_database, empty_tables, new_database
from services.registry.adapters.orm import metadata
from services.registry.config import SERVICE_DIR, RegistrySettings
from services.registry.entrypoints.api import create_app
from shared import uscc
from shared.auth.tokens import dev_token
from shared.db import make_engine
from tests.support import app_of

BODY_A = "CNCA-R-2002-001"
BODY_B = "CNCA-R-2003-017"
HOLDER = uscc.make("91330100MA2ABCDE")
OTHER_HOLDER = uscc.make("9111000010001234")
BODY_A_USCC = uscc.make("1210000040000123")
BODY_B_USCC = uscc.make("91330000MA27XY81")


@pytest.fixture(scope="session")
def registry_db_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = new_database(backend, SERVICE_DIR, tmp_path_factory.mktemp("registry"), "registry")
    yield url
    drop_database(url)


@pytest.fixture
def settings(registry_db_url: str) -> RegistrySettings:
    return RegistrySettings(
        database_url=registry_db_url, environment="test", cache_refresh_seconds=0.05
    )


@pytest.fixture
def engine(settings: RegistrySettings) -> Iterator[Engine]:
    eng = make_engine(settings.database_url)
    yield eng
    empty_tables(eng, metadata)
    eng.dispose()


@pytest.fixture
def client(settings: RegistrySettings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine), raise_server_exceptions=False) as c:
        yield c


def bearer(settings: RegistrySettings, **claims: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {dev_token(settings, **claims)}"}


@pytest.fixture
def as_regulator(settings: RegistrySettings) -> dict[str, str]:
    return bearer(
        settings,
        role="regulator",
        sub="zj-amr-1",
        authority_level="provincial",
        region_code="330000",
        department="ZJAMR",
    )


@pytest.fixture
def as_national(settings: RegistrySettings) -> dict[str, str]:
    """The national certification authority, which alone governs certification bodies."""
    return bearer(
        settings,
        role="regulator",
        sub="cnca-officer-1",
        authority_level="national",
        region_code="100000",
        department="CNCA",
    )


@pytest.fixture
def as_national_2(settings: RegistrySettings) -> dict[str, str]:
    """A second national regulator: approves what the first proposes."""
    return bearer(
        settings,
        role="regulator",
        sub="cnca-officer-2",
        authority_level="national",
        region_code="100000",
        department="CNCA",
    )


@pytest.fixture
def as_body_a(settings: RegistrySettings) -> dict[str, str]:
    return bearer(settings, role="certification_body", sub="cqc-officer", body_id=BODY_A)


@pytest.fixture
def as_body_b(settings: RegistrySettings) -> dict[str, str]:
    return bearer(settings, role="certification_body", sub="other-officer", body_id=BODY_B)


@pytest.fixture
def as_holder(settings: RegistrySettings) -> dict[str, str]:
    return bearer(settings, role="enterprise", sub="holder-user", uscc=HOLDER)


@pytest.fixture
def as_other_enterprise(settings: RegistrySettings) -> dict[str, str]:
    return bearer(settings, role="enterprise", sub="other-user", uscc=OTHER_HOLDER)


@pytest.fixture
def bodies(client: TestClient, as_national: dict[str, str]) -> None:
    for body_id, name, code in (
        (BODY_A, "China Quality Certification Centre", BODY_A_USCC),
        (BODY_B, "Zhejiang Certification Co.", BODY_B_USCC),
    ):
        r = client.post(
            "/bodies",
            headers=as_national,
            json={
                "id": body_id,
                "name": name,
                "uscc": code,
                "region_code": "330000",
                "approved_schemes": ["CCC", "ISO9001", "ORGANIC"],
            },
        )
        assert r.status_code == 201, r.text
    for body_id, signer in ((BODY_A, SIGNER_A), (BODY_B, SIGNER_B)):
        token = bearer(
            app_of(client).state.settings, role="certification_body", sub="hr", body_id=body_id
        )
        r = client.post(f"/bodies/{body_id}/personnel", headers=token, json=signer)
        assert r.status_code == 201, r.text


SIGNER_A = {"registration_no": "CCAA-2019-123456", "name": "张伟", "roles": ["auditor", "signer"]}
SIGNER_B = {"registration_no": "CCAA-2020-654321", "name": "李娜", "roles": ["signer"]}


def certificate(number: str = "CCC-2026-000001", **overrides: object) -> dict[str, Any]:
    today = date.today()
    payload: dict[str, Any] = {
        "number": number,
        "scheme": "CCC",
        "scope": "Household electric kettles, 220 V",
        "product_name": "Electric kettle",
        "product_model": "KT-1800",
        "holder_uscc": HOLDER,
        "holder_name": "杭州安源电器有限公司",
        "issue_date": (today - timedelta(days=30)).isoformat(),
        "expiry_date": (today + timedelta(days=4 * 365)).isoformat(),
        "signer_name": "张伟",
        "signer_position": "Certification decision maker",
        "signer_registration_no": "CCAA-2019-123456",
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def issued(client: TestClient, bodies: None, as_body_a: dict[str, str]) -> str:
    r = client.post("/certificates", headers=as_body_a, json=certificate())
    assert r.status_code == 201, r.text
    return "CCC-2026-000001"
