"""The main pages on each database the services run on (SQLite and PostgreSQL): a smoke, not
the full page tests (test_pages.py), which run on SQLite only to keep the suite's budget."""

import re

import pytest
from qp_client.report import fetch_keys, verify_report

from shared.auth.tokens import dev_token
from tests.portal.conftest import PortalStack, first_certificate

pytestmark = [pytest.mark.e2e]


def test_main_pages_on_each_database(backend_stack: PortalStack, listed_uscc: str) -> None:
    number = first_certificate(backend_stack)
    with backend_stack.client() as portal:
        pages = {
            "/": "证书查询",
            f"/certificates/{number}": number,
            f"/enterprises/{listed_uscc}": "已列入严重违法失信名单",
            "/dishonesty-list": listed_uscc,
            "/disclosures": "信用公示",
            "/inspections": "合格率",
            "/statistics": "证书按状态",
        }
        for path, expected in pages.items():
            r = portal.get(path)
            assert r.status_code == 200 and expected in r.text, (backend_stack.backend, path)
        draw = re.search(r'href="(/draws/[^"]+)"', portal.get("/inspections").text)
        assert draw, "results link their draw"
        assert 'data-verdict="match"' in portal.get(draw.group(1)).text
        token = dev_token(role="enterprise", sub="smoke", uscc=listed_uscc)
        report = portal.get(
            f"/enterprises/{listed_uscc}/report.json",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert report.status_code == 200, report.text
    verdict = verify_report(report.content, fetch_keys(backend_stack.portal))
    assert verdict.valid and verdict.claims["uscc"] == listed_uscc
