"""Quality credit reports end to end: downloaded from the running portal, rendered with
pdftoppm, text extracted with pdftotext, fonts embedded, verified offline with the published
key (`qp report verify`, the portal's module and the function), tampered copies refused, and
reports shown stale after the record changes. Each download uses the enterprise's own token."""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from qp_client.cli import cli

from devtools.demo import demo_enterprises
from services.portal.report import signing
from shared.auth.tokens import dev_token
from tests.portal.conftest import PortalStack

pytestmark = [pytest.mark.e2e]
QP = str(Path(sys.executable).with_name("qp"))
REGULATOR = {
    "role": "regulator",
    "sub": "portal-test",
    "authority_level": "provincial",
    "region_code": "330000",
    "department": "ZJAMR",
}


def own(uscc: str) -> dict[str, str]:
    """The enterprise's own credential: reports are downloaded by the enterprise itself."""
    token = dev_token(role="enterprise", sub=f"enterprise-{uscc}", uscc=uscc)
    return {"Authorization": f"Bearer {token}"}


def qp(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [QP, *args], capture_output=True, text=True, timeout=60, env={**os.environ}
    )


def published_keys(stack: PortalStack) -> dict:
    with stack.client() as portal:
        pem = portal.get("/.well-known/quality-report-key.pem").content
        jwks = portal.get("/.well-known/quality-report-keys.json").json()
    key = signing.load_public_key(pem)
    assert [k["kid"] for k in jwks["keys"]] == [signing.key_id(key)]
    assert jwks["keys"][0]["crv"] == "Ed25519"
    return {signing.key_id(key): key}


def verify_cli(report: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.portal.verify", str(report), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def flip(path: Path, at: int, target: Path) -> Path:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x20
    target.write_bytes(bytes(data))
    return target


def test_pdf_report_renders_carries_cjk_text_and_verifies_offline(
    stack: PortalStack, listed_uscc: str, tmp_path: Path
) -> None:
    for tool in ("pdftoppm", "pdftotext", "pdffonts"):
        assert shutil.which(tool), f"{tool} missing: run `make portal-tools` (poppler-utils)"
    with stack.client() as portal:
        r = portal.get(f"/enterprises/{listed_uscc}/report.pdf", headers=own(listed_uscc))
        profile = portal.get(f"/enterprises/{listed_uscc}").text
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(r.content)
    verdict = signing.verify_report(r.content, published_keys(stack))
    assert verdict.valid and verdict.claims["uscc"] == listed_uscc

    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    png = next(tmp_path.glob("page*.png"))
    assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 10_000
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    name = verdict.claims["name"]
    for expected in (
        "企业质量信用报告",
        name,
        listed_uscc,
        verdict.claims["report_id"],
        "已列入",
        "法律依据",
    ):
        assert expected in text, expected
    assert name in profile
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    rows = fonts.splitlines()[2:]
    assert any("WenQuanYi" in row for row in rows), fonts
    assert rows and all(row.split()[-5] == "yes" for row in rows), fonts  # every font embedded

    key = tmp_path / "key.pem"
    with stack.client() as portal:
        key.write_bytes(portal.get("/.well-known/quality-report-key.pem").content)
    ok = verify_cli(pdf, "--key", str(key))
    assert ok.returncode == 0 and "AUTHENTIC" in ok.stdout, ok.stdout + ok.stderr
    for at in (100, len(r.content) // 2, len(r.content) - 10):
        bad = verify_cli(flip(pdf, at, tmp_path / f"bad{at}.pdf"), "--key", str(key))
        assert bad.returncode == 1 and "NOT AUTHENTIC" in bad.stdout, at
    online = verify_cli(pdf, "--portal", stack.portal)
    assert online.returncode == 0 and "CURRENT" in online.stdout, online.stdout + online.stderr

    # The integrators' command line: keys from the portal's well-known URL, then freshness.
    done = qp("report", "verify", str(pdf), "--portal-url", stack.portal)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "AUTHENTIC" in done.stdout and "CURRENT" in done.stdout
    tampered = str(tmp_path / "bad100.pdf")  # in process: the same command, no interpreter start
    refused = CliRunner().invoke(cli, ["report", "verify", tampered, "--portal-url", stack.portal])
    assert refused.exit_code == 5 and refused.output.startswith("NOT AUTHENTIC"), refused.output
    offline = CliRunner().invoke(
        cli, ["report", "verify", str(pdf), "--key", str(key), "--offline"]
    )
    assert offline.exit_code == 0 and "CURRENT" not in offline.output, offline.output
    offline = CliRunner().invoke(
        cli, ["report", "verify", tampered, "--key", str(key), "--offline"]
    )
    assert offline.exit_code == 5, offline.output


def test_html_report_has_id_qr_and_check_link(stack: PortalStack, listed_uscc: str) -> None:
    with stack.client() as portal:
        html = portal.get(f"/enterprises/{listed_uscc}/report", headers=own(listed_uscc)).text
        assert "企业质量信用报告" in html and "<svg" in html and 'id="report-id">QCR-' in html
        assert f"{stack.portal}/reports/check?token=" in html
        assert "/.well-known/quality-report-key.pem" in html


def test_report_goes_stale_when_the_record_changes(stack: PortalStack, tmp_path: Path) -> None:
    uscc = demo_enterprises()[9].uscc  # not used by the other tests
    keys = published_keys(stack)
    with stack.client() as portal:
        r = portal.get(f"/enterprises/{uscc}/report.json", headers=own(uscc))
        assert r.status_code == 200
        verdict = signing.verify_report(r.content, keys)
        assert verdict.valid
        token = r.json()["token"]
        check = portal.get("/reports/check", params={"token": token})
        assert check.status_code == 200 and 'data-verdict="current"' in check.text
        upload = portal.post("/reports/verify", files={"file": ("r.json", r.content)})
        assert 'data-verdict="current"' in upload.text

        tampered = bytearray(r.content)
        at = r.content.index(uscc.encode()) + 3
        tampered[at] = ord("0") if tampered[at] != ord("0") else ord("1")
        bad = portal.post("/reports/verify", files={"file": ("r.json", bytes(tampered))})
        assert bad.status_code == 422 and 'data-verdict="invalid"' in bad.text
        forged = portal.get("/reports/check", params={"token": token[:-3] + "AAA"})
        assert forged.status_code == 422 and 'data-verdict="invalid"' in forged.text

    headers = {"Authorization": f"Bearer {dev_token(**REGULATOR)}"}
    with stack.client("credit", **headers) as credit:
        added = credit.post(
            "/records",
            json={
                "uscc": uscc,
                "record_class": "commendation",
                "title": "Municipal quality award",
                "legal_basis": "《浙江省质量奖管理办法》",
                "decision_number": "杭质奖〔2026〕1号",
                "decision_date": "2026-11-02",
            },
        )
        assert added.status_code == 201, added.text
    with stack.client() as portal:
        check = portal.get(f"/reports/check?token={quote(token)}")
        assert check.status_code == 200 and 'data-verdict="stale"' in check.text
    report = tmp_path / "r.json"
    report.write_bytes(r.content)
    stale = verify_cli(report, "--portal", stack.portal)
    assert stale.returncode == 2 and "STALE" in stale.stdout, stale.stdout + stale.stderr
    stale = qp("report", "verify", str(report), "--portal-url", stack.portal)
    assert stale.returncode == 6 and "STALE" in stale.stdout, stale.stdout + stale.stderr
