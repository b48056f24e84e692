"""When a service is down the portal says so (503 page), never a stack trace; its own parts
(home, key, report check form) keep working."""

from pathlib import Path

from fastapi.testclient import TestClient

from devtools.testing.broker import free_port
from services.portal.config import PortalSettings
from services.portal.entrypoints.api import create_app
from shared.auth.tokens import dev_token


def test_upstream_down_gives_a_friendly_503(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    settings = PortalSettings(
        environment="test",
        registry_url=dead,
        inspection_url=dead,
        credit_url=dead,
        upstream_timeout_seconds=1,
        signing_key_file=tmp_path / "key.pem",
    )
    with TestClient(create_app(settings)) as client:
        for path in ("/certificates/ABC-1", "/enterprises/91330100MA2ABCDE1R", "/statistics"):
            r = client.get(path)
            assert r.status_code == 503, path
            assert "服务暂不可用" in r.text and "upstream_unavailable" in r.text
            assert "Traceback" not in r.text
        assert client.get("/").status_code == 200
        assert client.get("/reports/check").status_code == 200
        assert client.get("/.well-known/quality-report-key.pem").text.startswith("-----BEGIN")
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["credit"] == "unreachable"
        bad = client.post("/reports/verify", files={"file": ("x.pdf", b"%PDF-1.4 junk")})
        assert bad.status_code == 422 and 'data-verdict="invalid"' in bad.text
        assert client.get("/certificates", params={"number": "a b/c"}).status_code == 422


def test_only_the_enterprise_itself_gets_its_report(tmp_path: Path) -> None:
    """Own token: past the gate (here to the dead upstream: 503); another enterprise's, a
    regulator's: 403; none or a forged one: 401 with the token form. Anyone may still verify."""
    dead = f"http://127.0.0.1:{free_port()}"
    settings = PortalSettings(
        environment="test",
        registry_url=dead,
        inspection_url=dead,
        credit_url=dead,
        upstream_timeout_seconds=1,
        signing_key_file=tmp_path / "key.pem",
    )
    own, other = "91330100MA2ABCDE1R", "91330100MA2ABCDE2P"

    def bearer(**claims: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {dev_token(**claims)}"}

    mine = bearer(role="enterprise", sub="e1", uscc=own)
    theirs = bearer(role="enterprise", sub="e2", uscc=other)
    regulator = bearer(
        role="regulator",
        sub="r1",
        authority_level="national",
        region_code="100000",
        department="SAMR",
    )
    with TestClient(create_app(settings)) as client:
        for suffix in ("", ".pdf", ".json"):
            path = f"/enterprises/{own}/report{suffix}"
            anonymous = client.get(path)
            assert anonymous.status_code == 401, path
            assert 'data-access="enterprise_token_required"' in anonymous.text
            assert 'name="token" type="password"' in anonymous.text
            assert anonymous.headers["www-authenticate"].startswith("Bearer")
            assert client.get(path, headers=theirs).status_code == 403, path
            assert 'data-access="not_your_report"' in client.get(path, headers=regulator).text
            forged = client.get(path, headers={"Authorization": "Bearer x.y.z"})
            assert forged.status_code == 401 and 'data-access="invalid_token"' in forged.text
            assert client.get(path, headers=mine).status_code == 503, path  # past the gate
        form = {"token": mine["Authorization"][7:], "format": "pdf"}
        assert client.post(f"/enterprises/{own}/report", data=form).status_code == 503
        assert client.post(f"/enterprises/{other}/report", data=form).status_code == 403
        assert client.post(f"/enterprises/{own}/report", data={"token": ""}).status_code == 422
        assert client.get("/reports/check").status_code == 200  # verifying needs no token
