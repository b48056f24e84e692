"""When a service is down the portal says so (503 page), never a stack trace; its own parts
(home, key, report check form) keep working."""

from pathlib import Path

from fastapi.testclient import TestClient

from services.portal.config import PortalSettings
from services.portal.entrypoints.api import create_app
from shared.testing.broker import free_port


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
