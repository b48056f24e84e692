"""Issue 10 probes: the registry cannot be crawled or flooded anonymously."""

import hashlib

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from services.registry.config import RegistrySettings
from services.registry.entrypoints.api import create_app
from shared.exceptions import InvalidInput
from shared.search_terms import check_search_term


@pytest.mark.parametrize(
    "term",
    ["有限公司", "公司", "股份有限公司", "有限责任公司", "Ltd", "Co., Ltd.", "ab", "厂 店", "%%"],
)
def test_broad_name_searches_are_refused(client: TestClient, term: str) -> None:
    r = client.get("/public/certificates", params={"holder_name": term})
    assert r.status_code == 422 and r.json()["code"] == "search_term_too_broad", r.text


@pytest.mark.parametrize("term", ["安源", "杭州安源电器有限公司", "Haier", "ACME Co"])
def test_specific_terms_are_accepted(term: str) -> None:
    assert check_search_term(term) == term
    with pytest.raises(InvalidInput):
        check_search_term("有限公司")


def test_anonymous_clients_are_rate_limited_and_portals_get_more(
    settings: RegistrySettings, engine: Engine
) -> None:
    limited = settings.model_copy(
        update={
            "rate_limit_enabled": True,
            "rate_limit_public": "5/minute",
            "rate_limit_portal": "20/minute",
            "portal_api_keys": {"zj-portal": hashlib.sha256(b"portal-key").hexdigest()},
        }
    )
    with TestClient(create_app(limited, engine), raise_server_exceptions=False) as client:
        codes = [client.get("/public/certificates/CCC-1").status_code for _ in range(5)]
        assert 429 not in codes
        r = client.post("/public/certificates/verify", json={"numbers": ["CCC-1"]})
        assert r.status_code == 429 and r.json()["code"] == "rate_limited"
        assert int(r.headers["retry-after"]) >= 1
        assert client.get("/bodies").status_code == 429  # anonymous everywhere, not just /public
        assert client.get("/healthz").status_code == 200
        portal = {"X-API-Key": "portal-key"}
        codes = [client.get("/public/changes", headers=portal).status_code for _ in range(20)]
        assert codes == [200] * 20
        assert client.get("/public/changes", headers=portal).status_code == 429
