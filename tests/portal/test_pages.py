"""The portal's pages over HTTP against the real services (demo data): content, language,
paging, QR codes and friendly errors with correct statuses."""

import hashlib
import re
from pathlib import Path

import pytest

from devtools.demo import demo_enterprises
from shared.auth.tokens import dev_token
from tests.portal.conftest import PortalStack

pytestmark = [pytest.mark.e2e]
ROOT = Path(__file__).resolve().parents[2]


def no_trace(html: str) -> None:
    assert "Traceback" not in html and 'File "' not in html


def test_home_is_chinese_first_and_switches_to_english(stack: PortalStack) -> None:
    with stack.client() as portal:
        r = portal.get("/")
        assert r.status_code == 200
        assert '<html lang="zh-CN">' in r.text and "证书查询" in r.text
        assert 'href="/?lang=en"' in r.text
        r = portal.get("/", params={"lang": "en"})
        assert '<html lang="en">' in r.text and "Verify certificate" in r.text
        assert r.cookies.get("lang") == "en"
        # the cookie keeps the choice on the next page
        r = portal.get("/statistics")
        assert '<html lang="en">' in r.text and "Certificates by status" in r.text
        portal.cookies.clear()
        assert '<html lang="zh-CN">' in portal.get("/statistics").text


def test_every_form_field_has_a_label(stack: PortalStack) -> None:
    with stack.client() as portal:
        for path in ("/", "/reports/check", "/inspections"):
            html = portal.get(path).text
            for field_id in re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', html):
                assert f'<label for="{field_id}"' in html, (path, field_id)


def test_certificate_page_has_verdict_holder_body_and_qr(
    stack: PortalStack, certificate_number: str
) -> None:
    with stack.client("registry") as registry:
        cert = registry.get(f"/public/certificates/{certificate_number}").json()
    with stack.client() as portal:
        r = portal.get("/certificates", params={"number": certificate_number})
        assert r.status_code == 200 and r.url.path == f"/certificates/{certificate_number}"
        html = r.text
        verdicts = {"valid": "证书有效", "suspended": "证书已暂停", "revoked": "证书已撤销"}
        if cert["status"] in verdicts:
            assert verdicts[cert["status"]] in html
        assert cert["holder"]["name"] in html and cert["body"]["name"] in html
        assert cert["scheme"]["name_zh"] in html
        assert f"/certificates/{certificate_number}/qr.svg" in html
        png = portal.get(f"/certificates/{certificate_number}/qr.png")
        assert (
            png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
        )
        svg = portal.get(f"/certificates/{certificate_number}/qr.svg")
        assert svg.headers["content-type"].startswith("image/svg+xml")
        assert f"{stack.portal}/certificates/{certificate_number}" in svg.text  # the title
        assert portal.get("/certificates/NO-SUCH-1/qr.png").status_code == 404


def test_unknown_certificate_is_a_friendly_404(stack: PortalStack) -> None:
    with stack.client() as portal:
        r = portal.get("/certificates/NO-SUCH-CERT-0001")
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("text/html")
        assert "未找到" in r.text and "certificate_not_found" in r.text
        no_trace(r.text)
        assert portal.get("/no/such/page").status_code == 404


def test_malformed_uscc_is_a_friendly_422_naming_the_fault(
    stack: PortalStack, listed_uscc: str
) -> None:
    wrong = listed_uscc[:17] + ("0" if listed_uscc[17] != "0" else "1")
    with stack.client() as portal:
        r = portal.get(f"/enterprises/{wrong}")
        assert r.status_code == 422 and "uscc_checksum" in r.text and "输入有误" in r.text
        no_trace(r.text)
        r = portal.get("/enterprises/123")
        assert r.status_code == 422 and "uscc_length" in r.text
        token = dev_token(role="enterprise", sub="e-wrong", uscc=wrong)
        r = portal.get(
            f"/enterprises/{wrong}/report.pdf", headers={"Authorization": f"Bearer {token}"}
        )
        assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")


def test_enterprise_page_shows_grade_listing_measures_and_records(
    stack: PortalStack, listed_uscc: str
) -> None:
    with stack.client("credit") as credit:
        profile = credit.get(f"/public/enterprises/{listed_uscc}").json()
    with stack.client() as portal:
        r = portal.get("/enterprises", params={"q": listed_uscc.lower()})
        assert r.status_code == 200 and r.url.path == f"/enterprises/{listed_uscc}"
        html = r.text
    assert profile["name"] in html and "已列入严重违法失信名单" in html
    for measure in profile["active_measures"]:
        assert measure["name_zh"] in html and measure["legal_basis"] in html
    assert f"{profile['risk_grade']['grade']} 类" in html
    assert f'href="/enterprises/{listed_uscc}/report"' in html


def test_search_by_name_lists_holders(stack: PortalStack, certificate_number: str) -> None:
    with stack.client("registry") as registry:
        holder = registry.get(f"/public/certificates/{certificate_number}").json()["holder"]
    with stack.client() as portal:
        r = portal.get("/enterprises", params={"q": holder["name"][2:6]})
        assert r.status_code == 200 and f'href="/enterprises/{holder["uscc"]}"' in r.text


def test_dishonesty_list_shows_listings_in_force(stack: PortalStack, listed_uscc: str) -> None:
    with stack.client() as portal:
        r = portal.get("/dishonesty-list")
        assert r.status_code == 200 and listed_uscc in r.text and "法律依据" in r.text
        r = portal.get("/dishonesty-list", params={"cursor": "not-a-cursor"})
        assert r.status_code == 422 and "invalid_cursor" in r.text


def test_disclosure_stream_pages_forward(stack: PortalStack) -> None:
    with stack.client() as portal:
        first = portal.get("/disclosures").text
        nxt = re.search(r'rel="next" href="([^"]+)"', first)
        assert nxt, "150 demo records make more than one page of 20"
        second = portal.get(nxt.group(1).replace("&amp;", "&")).text
        seq = lambda html: re.findall(r"<tr><td>(\d+)</td>", html)  # noqa: E731
        assert seq(first) and seq(second) and max(map(int, seq(first))) < min(map(int, seq(second)))
        assert "第一页" in second


def test_inspection_publicity_with_pass_rates_and_filter(stack: PortalStack) -> None:
    with stack.client("inspection") as inspection:
        results = inspection.get("/public/results", params={"limit": 500}).json()["items"]
    assert results, "the demo data publishes results"
    with stack.client() as portal:
        html = portal.get("/inspections").text
        for heading in ("按抽查计划（期次）", "按地区", "按产品类别"):
            assert heading in html
        plan = results[0]["plan"]["name"]
        of_plan = [r for r in results if r["plan"]["name"] == plan]
        passed = sum(r["result"]["outcome"] == "pass" for r in of_plan)
        assert f"({passed}/{len(of_plan)})" in html
        failed = portal.get("/inspections", params={"outcome": "fail"}).text
        assert "不合格" in failed and '<span class="pill pass">' not in failed
        assert portal.get("/inspections", params={"outcome": "bogus"}).status_code == 422


def test_statistics_page(stack: PortalStack) -> None:
    with stack.client("registry") as registry:
        stats = registry.get("/public/statistics").json()
    with stack.client() as portal:
        html = portal.get("/statistics").text
    labels = {"valid": "有效", "suspended": "暂停", "revoked": "撤销", "cancelled": "注销"}
    for status, count in stats["certificates_by_status"].items():
        label = labels.get(status, status)
        assert f'<th scope="row">{label}</th>' in html
        assert f'<span class="num">{count}</span>' in html


def test_operations_endpoints(stack: PortalStack) -> None:
    with stack.client() as portal:
        assert portal.get("/healthz").json() == {"status": "ok"}
        ready = portal.get("/readyz").json()
        assert ready["status"] == "ready" and set(ready["checks"]) == {
            "registry",
            "inspection",
            "credit",
        }
        assert (
            "http_requests" in portal.get("/metrics").text
            or portal.get("/metrics").status_code == 200
        )


def test_draw_page_rechecks_the_commit_reveal(stack: PortalStack) -> None:
    with stack.client() as portal:
        html = portal.get("/inspections").text
        link = re.search(r'href="(/draws/[^"]+)"', html)
        assert link, "results link their draw"
        page = portal.get(link.group(1))
        assert page.status_code == 200 and 'data-verdict="match"' in page.text
        assert page.text.count("✔") == 4 and "services.inspection.verify" in page.text
        # the same-origin copy the browser check hashes is the published snapshot, byte for byte
        draw_id = link.group(1).rsplit("/", 1)[1]
        with stack.client("inspection") as inspection:
            published = inspection.get(f"/public/draws/{draw_id}").json()["snapshot_hash"]
        document = portal.get(f"/draws/{draw_id}/snapshot.json").content
        assert hashlib.sha256(document).hexdigest() == published
        assert 'src="/static/draw-check.js"' in page.text
        # ... and so is the verification record the JavaScript verifier checks, with the
        # verifier itself (verifier-js, unchanged) and the hash library it imports
        with stack.client("inspection") as inspection:
            record = inspection.get(f"/public/draws/{draw_id}/verification").content
        assert portal.get(f"/draws/{draw_id}/verification.json").content == record
        js = portal.get("/verifier/verifier.mjs")
        assert js.headers["content-type"].startswith("text/javascript")
        assert js.content == (ROOT / "verifier-js" / "verifier.mjs").read_bytes()
        assert '"@noble/hashes/": "/static/vendor/noble-hashes/"' in page.text
        for module in ("sha2.js", "sha3.js", "utils.js", "_md.js", "_u64.js"):
            served = portal.get(f"/static/vendor/noble-hashes/{module}")
            assert served.status_code == 200 and "javascript" in served.headers["content-type"]
        missing = portal.get("/draws/00000000-0000-0000-0000-000000000000")
        assert missing.status_code == 404 and "draw_not_found" in missing.text


def test_dishonesty_list_filters(stack: PortalStack, listed_uscc: str) -> None:
    with stack.client("credit") as credit:
        listing = credit.get("/public/dishonesty-list", params={"limit": 500}).json()["items"][0]
    name, region = listing["enterprise_name"], listing["uscc"][2:6]
    with stack.client() as portal:
        for params in (
            {"q": name[2:5]},
            {"region": region},
            {"measure": listing["measures"][0]["code"]},
        ):
            r = portal.get("/dishonesty-list", params=params)
            assert r.status_code == 200 and listing["uscc"] in r.text, params
        r = portal.get("/dishonesty-list", params={"q": "不存在的企业名称"})
        assert "共 0 条" in r.text and listing["uscc"] not in r.text
        other = "11" if not region.startswith("11") else "12"
        assert listing["uscc"] not in portal.get("/dishonesty-list", params={"region": other}).text
        assert portal.get("/dishonesty-list", params={"region": "abc"}).status_code == 422


def test_disclosure_stream_filter_by_kind(stack: PortalStack) -> None:
    with stack.client() as portal:
        html = portal.get("/disclosures", params={"action": "publish"}).text
        assert "<td>公示</td>" in html and "<td>撤回</td>" not in html
        assert portal.get("/disclosures", params={"action": "delete"}).status_code == 422


def test_enterprise_page_shows_a_pending_dispute(stack: PortalStack) -> None:
    """Issue 12's disputes reach the public face: the disputed record is marked as such."""
    with stack.client("credit") as credit:
        for e in reversed(demo_enterprises()):  # far from the enterprises other tests use
            items = credit.get(f"/public/enterprises/{e.uscc}/records").json()["items"]
            if items:
                break
        else:
            raise AssertionError("the demo data has no published record")
        owner = {"Authorization": f"Bearer {dev_token(role='enterprise', sub='e', uscc=e.uscc)}"}
        r = credit.post(
            f"/records/{items[0]['id']}/disputes",
            headers=owner,
            json={"statement": "The decision was annulled on appeal.", "evidence": ["ruling.pdf"]},
        )
        assert r.status_code == 201, r.text
    with stack.client() as portal:
        html = portal.get(f"/enterprises/{e.uscc}").text
        english = portal.get(f"/enterprises/{e.uscc}", params={"lang": "en"}).text
    assert "存在异议、复核中" in html and "1 条记录存在异议" in html
    assert "disputed, under review" in english
