"""Pilot flows: unreachable or unauthorised gateway → banner and retries → recovery; basic auth; no tracebacks."""

from __future__ import annotations

import ssl
from typing import Any

import httpx

from bridge.gateway.config import GatewayConfig
from bridge.gateway.runtime import build_app
from pgwtui.app import create_app
from pgwtui.config import Settings
from pgwtui.connection import Connection
from pgwtui.demo import DemoGateway, build_demo_gateway
from tests.support.family_ext import require_basic_auth
from tests.support.servers import ThreadGateway, free_port
from tests.support.tui import screen_text, table, wait_for
from tests.tui.conftest import NOW, demo_gateway, make_app


class SwitchTransport(httpx.AsyncBaseTransport):
    """Delegates to `inner`, or fails like a dead host / a broken server while told to."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.failure: Exception | None = httpx.ConnectError("[Errno 111] Connection refused")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.failure is not None:
            raise self.failure
        return await self.inner.handle_async_request(request)


def banner(app: Any) -> str:
    return str(app.screen.query_one("#banner").render())


def no_traceback(app: Any) -> None:
    text = screen_text(app)
    assert "Traceback" not in text and 'File "' not in text


async def test_unreachable_gateway_banner_then_recovery(demo_app):
    transport = SwitchTransport(httpx.ASGITransport(app=demo_gateway()))
    app = make_app(transport=transport)
    async with app.run_test(size=(140, 34)) as pilot:
        await wait_for(pilot, lambda: app.state.error is not None, "banner")
        text = screen_text(app)
        assert "cannot reach http://127.0.0.1:9091 while reading groups: connection refused" in text, text
        assert "press r to retry now" in text
        assert "No groups read yet" in text
        no_traceback(app)
        transport.failure = None
        await pilot.press("r")
        await wait_for(pilot, lambda: app.state.error is None and table(app).row_count == 8, "recovery")
        assert "cannot reach" not in screen_text(app)
        assert any(n.title == "Reconnected" for n in app._notifications)


async def test_keeps_the_last_groups_and_retries_by_itself():
    transport = SwitchTransport(httpx.ASGITransport(app=demo_gateway()))
    transport.failure = None
    app = make_app(transport=transport, refresh=0.5)
    async with app.run_test(size=(140, 34)) as pilot:
        await wait_for(pilot, lambda: table(app).row_count == 8, "groups")
        transport.failure = httpx.ReadTimeout("timed out")
        await wait_for(pilot, lambda: app.state.error is not None, "banner after a failed refresh")
        assert "did not answer within 10s" in screen_text(app)
        assert table(app).row_count == 8, "the last snapshot stays on screen"
        transport.failure = None
        await wait_for(pilot, lambda: app.state.error is None, "the timer retries without a key press")


async def test_server_errors_and_non_gateways_explain_themselves():
    def answer(status: int, body: bytes) -> httpx.MockTransport:
        return httpx.MockTransport(lambda request: httpx.Response(status, content=body))

    cases = [
        (answer(500, b"internal server error\n"), "gateway answered 500: internal server error"),
        (answer(404, b"404 page not found\n"), "is this a Pushgateway >= 1.2"),
        (
            answer(200, b"<html>hello</html>"),
            "JSON (expected '{' at offset 0); is this a Pushgateway?",
        ),
        (answer(401, b"Unauthorized\n"), "unauthorised (401)"),
        (answer(403, b"Forbidden\n"), "forbidden (403)"),
    ]
    for transport, expected in cases:
        app = make_app(transport=transport)
        async with app.run_test(size=(140, 34)) as pilot:
            await wait_for(pilot, lambda: app.state.error is not None, expected)  # noqa: B023
            assert expected in screen_text(app), expected
            no_traceback(app)


async def test_a_bug_becomes_a_notification_not_a_traceback():
    def broken(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("boom")

    app = make_app(transport=httpx.MockTransport(broken))
    async with app.run_test(size=(140, 34)) as pilot:
        await wait_for(pilot, lambda: any("RuntimeError" in n.message for n in app._notifications), "notification")
        assert app.is_running
        no_traceback(app)


async def test_unauthorised_then_basic_auth_in_process():
    gateway = require_basic_auth(demo_gateway(), "ops", "s3cret")
    app = make_app(transport=httpx.ASGITransport(app=gateway))
    async with app.run_test(size=(140, 34)) as pilot:
        await wait_for(pilot, lambda: app.state.error is not None, "401 banner")
        assert "unauthorised (401)" in screen_text(app)
    app = make_app(transport=httpx.ASGITransport(app=gateway), username="ops", password="s3cret")
    async with app.run_test(size=(140, 34)) as pilot:
        await wait_for(pilot, lambda: table(app).row_count == 8, "groups with credentials")


async def test_basic_auth_over_a_real_socket():
    config = GatewayConfig()
    gateway_app = require_basic_auth(build_app(config), "ops", "s3cret")
    server = ThreadGateway(config, gateway_app)
    try:
        body = b"# TYPE job_ok gauge\njob_ok 1\n"
        pushed = httpx.put(f"{server.url}/metrics/job/nightly", content=body, auth=("ops", "s3cret"))
        assert pushed.status_code == 200
        app = make_app(server.url)
        async with app.run_test(size=(140, 34)) as pilot:
            await wait_for(pilot, lambda: app.state.error is not None, "401 banner")
            assert "unauthorised (401)" in screen_text(app)
        app = make_app(server.url, username="ops", password="s3cret")
        async with app.run_test(size=(140, 34)) as pilot:
            await wait_for(pilot, lambda: [r.text for r in table(app).rows] == ["job=nightly"], "the group")
    finally:
        server.stop()


async def test_real_socket_nothing_listening_then_the_gateway_starts():
    port = free_port()
    app = make_app(f"http://127.0.0.1:{port}", refresh=0.5)
    demo = None
    try:
        async with app.run_test(size=(140, 34)) as pilot:
            await wait_for(pilot, lambda: app.state.error is not None, "banner")
            assert "connection refused" in screen_text(app)
            demo = DemoGateway(build_demo_gateway(NOW, port=port), port)
            demo.start()
            await wait_for(pilot, lambda: app.state.error is None and table(app).row_count == 8, "recovered by itself")
    finally:
        if demo is not None:
            demo.stop()


async def test_tls_ca_file_insecure_and_untrusted(tmp_path):
    from tests.support.tls import TLSGateway, make_ca_and_cert

    ca, cert, key = make_ca_and_cert(tmp_path)
    server = TLSGateway(cert, key)
    try:
        trusted = ssl.create_default_context(cafile=str(ca))
        assert httpx.put(f"{server.url}/metrics/job/tls", content=b"tls_ok 1\n", verify=trusted).status_code == 200
        for kwargs, expect_error in (({}, True), ({"ca_file": str(ca)}, False), ({"insecure": True}, False)):
            await check_tls(Settings(Connection(server.url, **kwargs), refresh_interval=0), expect_error)
    finally:
        server.stop()


async def check_tls(settings: Settings, expect_error: bool) -> None:
    app = create_app(settings, clock=lambda: NOW)
    async with app.run_test(size=(140, 34)) as pilot:
        await wait_for(pilot, lambda: app.state.error is not None or app.state.snapshot is not None, "an answer")
        if expect_error:
            assert "TLS certificate not trusted" in screen_text(app)
        else:
            assert app.state.error is None
            await wait_for(pilot, lambda: [r.text for r in table(app).rows] == ["job=tls"], "the group")
