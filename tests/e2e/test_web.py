"""`pgwtui web` in a real headless Chromium (Debian chromium), against a real `pgw-bridge serve`, on 127.0.0.1 only.

As a user would: without credentials the page (and its WebSocket) is refused; with them the
browser loads the page, the groups table is drawn, enter opens a group, and its detail is drawn;
deleting is refused (read-only by default). The screenshot goes to the test's temporary
directory (`make screenshots` writes screenshots/web.png with the same harness).
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import require_binary
from tests.e2e.pki import make_pki
from tests.support.chromium import Chromium, Page
from tests.support.servers import BridgeProcess
from tests.support.web import PASSWORD, USER, WebProcess, open_a_group, web_config

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    """Our gateway with three groups; the last push to `etl` was rejected, so it sorts first (failed)."""
    served = BridgeProcess()
    try:
        for path, body in (
            ("/metrics/job/backup/instance/db-1", b"backup_size_bytes 1024\n"),
            ("/metrics/job/nightly-report", b"report_rows 7\n"),
            ("/metrics/job/etl/stage/load", b"etl_records 3\n"),
        ):
            assert httpx.put(served.url + path, content=body, timeout=5).status_code == 200
        rejected = httpx.put(served.url + "/metrics/job/etl/stage/load", content=b"etl_records 4 1000\n", timeout=5)
        assert rejected.status_code == 400
        yield served.url
    finally:
        served.stop()


@pytest.fixture(scope="module")
def web(gateway: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebProcess]:
    config = web_config(tmp_path_factory.mktemp("web"))
    served = WebProcess([gateway, "--web.config.file", str(config), "--refresh", "0"])
    yield served
    served.stop()


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    browser = Chromium(require_binary("chromium"))
    try:
        tab = await browser.new_page()
        yield tab
        await tab.close()
    finally:
        browser.stop()


def test_without_credentials_everything_is_refused(web: WebProcess):
    for path in ("/", "/ws", "/static/js/textual.js"):
        response = httpx.get(web.url + path, timeout=5)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"].startswith("Basic")
    wrong = httpx.get(web.url, auth=(USER, "not-the-password"), timeout=5)
    assert wrong.status_code == 401
    assert httpx.get(web.url, auth=(USER, PASSWORD), timeout=5).status_code == 200


async def test_the_browser_without_credentials_gets_no_app(web: WebProcess, page: Page):
    await page.answer_logins_with(None)  # the user has none: Cancel in the browser's prompt
    assert await page.navigate(web.url) == 401
    assert "Unauthorized" in str(await page.evaluate("document.documentElement.innerText"))
    assert await page.evaluate("window.__sockets.length") == 0, "no terminal was opened"


async def test_load_the_page_see_the_groups_open_one(web: WebProcess, page: Page, tmp_path: Path):
    await page.answer_logins_with((USER, PASSWORD))
    drawn = await open_a_group(page, web.url, "job=etl stage=load", "FAMILIES")
    assert "job=backup instance=db-1" in drawn and "job=nightly-report" in drawn, "the whole table was drawn"
    assert "[read-only]" in drawn
    detail = await page.until_drawn("push_failure_time_seconds")
    assert "FAILED" in detail and "etl_records" in detail
    shot = await page.screenshot(tmp_path / "web.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    await page.press("d")
    await page.until_drawn("Read-only mode (--read-only): deleting is disabled.")


def test_https_from_the_web_config(gateway: str, tmp_path: Path):
    """tls_server_config serves HTTPS (the page's WebSocket URL says wss), headers go on every answer, 401 included."""
    pki = make_pki(tmp_path)
    config = web_config(
        tmp_path,
        tls_server_config={"cert_file": str(pki.server_cert), "key_file": str(pki.server_key)},
        http_server_config={"headers": {"X-Frame-Options": "deny"}},
    )
    ca = ssl.create_default_context(cafile=str(pki.ca_cert))
    served = WebProcess([gateway, "--web.config.file", str(config)], scheme="https", verify=ca)
    try:
        refused = httpx.get(served.url, timeout=5, verify=ca)
        assert refused.status_code == 401 and refused.headers["X-Frame-Options"] == "deny"
        page = httpx.get(served.url, auth=(USER, PASSWORD), timeout=5, verify=ca)
        assert page.status_code == 200 and page.headers["X-Frame-Options"] == "deny"
        assert f"wss://127.0.0.1:{served.port}/ws" in page.text
        with pytest.raises(httpx.ConnectError):
            httpx.get(served.url, auth=(USER, PASSWORD), timeout=5)  # not our CA: the certificate is not trusted
    finally:
        served.stop()
