"""The portal in a real browser: headless Chromium (Debian's package, driven by Selenium through
Debian's chromedriver) loads each main page against the running system, checks content, that
the console stays free of errors, keyboard access, and axe-core finds no serious or critical
accessibility violation; it takes the screenshots the README shows.

PORTAL_UPDATE_SCREENSHOTS=1 writes them to docs/screenshots (committed); otherwise to a
temporary folder."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from shared.auth.tokens import dev_token
from tests.portal.conftest import PortalStack

if TYPE_CHECKING:  # selenium is imported where a test needs it
    from selenium.webdriver import Chrome

pytestmark = [pytest.mark.e2e]
ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]})
  .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                          nodes: v.nodes.map(n => n.target.join(" "))}))))
  .catch(e => done([{id: "axe-error", impact: "critical", help: String(e), nodes: []}]));
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Chrome]:
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.skip(
            "Debian's chromium and chromium-driver are not installed and could not be "
            "(`make portal-tools` installs them; it needs root or sudo)"
        )
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        "--lang=zh-CN",
        "--hide-scrollbars",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(driver_path))
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("PORTAL_UPDATE_SCREENSHOTS"):
        target = ROOT / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        return target
    return tmp_path_factory.mktemp("screenshots")


def visit(
    driver: Chrome,
    url: str,
    shots: Path,
    name: str,
    expect: list[str],
    width: int = 1280,
    status: int = 200,
    wait_for: str | None = None,
) -> None:
    driver.set_window_size(width, 900)
    driver.get(url)
    check_page(driver, url, shots, name, expect, width, status, wait_for)


def check_page(
    driver: Chrome,
    url: str,
    shots: Path,
    name: str,
    expect: list[str],
    width: int = 1280,
    status: int = 200,
    wait_for: str | None = None,
) -> None:
    if wait_for:
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(driver, 20).until(lambda d: d.find_elements("css selector", wait_for))
    body = driver.find_element("tag name", "body").text
    for text in expect:
        assert text in body, (name, text)
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    if status != 200:  # the browser reports the page's own error status; nothing else may fail
        own = f"{url} - Failed to load resource: the server responded with a status of {status}"
        errors = [e for e in errors if not e["message"].startswith(own)]
    assert not errors, (name, errors)
    driver.execute_script(AXE.read_text())
    violations = driver.execute_async_script(RUN_AXE)
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, (name, serious)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(height, 600), 2400))
    driver.save_screenshot(str(shots / f"{name}.png"))


def test_main_pages_in_chromium(
    browser: Chrome,
    stack: PortalStack,
    shots: Path,
    listed_uscc: str,
    certificate_number: str,
) -> None:
    base = stack.portal
    visit(browser, f"{base}/", shots, "home", ["质量信用公示平台", "证书编号"])
    visit(
        browser,
        f"{base}/certificates/{certificate_number}",
        shots,
        "certificate",
        [certificate_number, "认证机构"],
    )
    visit(
        browser,
        f"{base}/certificates/{certificate_number}",
        shots,
        "certificate-mobile",
        [certificate_number],
        width=390,
    )
    visit(
        browser,
        f"{base}/enterprises/{listed_uscc}",
        shots,
        "enterprise",
        [listed_uscc, "已列入严重违法失信名单"],
    )
    report = f"{base}/enterprises/{listed_uscc}/report"
    visit(browser, report, shots, "report-token", ["企业访问令牌"], status=401)
    own_report(browser, listed_uscc)
    check_page(browser, report, shots, "report", ["企业质量信用报告", "QCR-"])
    visit(browser, f"{base}/dishonesty-list", shots, "dishonesty-list", [listed_uscc])
    visit(browser, f"{base}/disclosures", shots, "disclosures", ["信用公示"])
    visit(browser, f"{base}/inspections", shots, "inspections", ["合格率", "按产品类别"])
    visit(browser, f"{base}/statistics", shots, "statistics", ["证书按状态"])
    browser.get(f"{base}/inspections")
    draw_url = browser.find_element("css selector", 'a[href^="/draws/"]').get_attribute("href")
    assert draw_url is not None
    visit(
        browser,
        draw_url,
        shots,
        "draw",
        ["一致：承诺与快照均经核验", "在本机重新计算并吻合", "独立的 JavaScript 核验程序"],
        wait_for='#browser-check[data-verdict="match"], #browser-check[data-verdict="mismatch"]',
    )
    assert browser.find_element("id", "browser-check").get_attribute("data-verdict") == "match"
    visit(browser, f"{base}/certificates/NO-SUCH-CERT", shots, "not-found", ["未找到"], status=404)
    visit(browser, f"{base}/?lang=en", shots, "home-en", ["Quality and Credit Public Portal"])
    # The report's check link (what its QR code opens) says the report is current.
    browser.get(f"{base}/enterprises/{listed_uscc}/report")
    own_report(browser, listed_uscc)
    link = browser.find_element("css selector", 'a[href*="/reports/check?token="]')
    check_url = link.get_attribute("href")
    assert check_url is not None
    browser.get(check_url)
    assert (
        "Authentic, and matches the current record" in browser.find_element("tag name", "body").text
    )


def own_report(driver: Chrome, uscc: str) -> None:
    """On the token form: the enterprise's own token, submitted with the keyboard."""
    from selenium.webdriver.common.keys import Keys

    driver.get_log("browser")  # the form page's own 401 is expected; start the log afresh
    token = dev_token(role="enterprise", sub=f"enterprise-{uscc}", uscc=uscc)
    driver.find_element("id", "token").send_keys(token, Keys.ENTER)


def test_keyboard_reaches_skip_link_and_search(browser: Chrome, stack: PortalStack) -> None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{stack.portal}/?lang=zh")
    ActionChains(browser).send_keys(Keys.TAB).perform()
    assert browser.switch_to.active_element.get_attribute("class") == "skip"
    field = browser.find_element("id", "number")
    field.send_keys("NO-SUCH-CERT", Keys.ENTER)
    # ENTER navigates: wait for the answer page (the old page's body goes stale under us)
    WebDriverWait(browser, 20, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: "NO-SUCH-CERT" in d.current_url
    )
    assert "未找到" in browser.find_element("tag name", "body").text
