"""Pilot tests: the cadence column when Prometheus is absent, slow or unauthorised — the column says why, once.

Real sockets on 127.0.0.1 where they can be: a port nobody listens on (absent), a listener that
takes the request and never answers (slow: httpx's own timeout fires), and a Prometheus answering
401 (the in-process FakePrometheus; tests/e2e/test_prometheus_auth.py does it with a real
Prometheus behind basic auth). The groups themselves keep working throughout.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC
from typing import Any

import httpx
import pytest

from pgwtui.app import PgwApp, create_app
from pgwtui.config import Settings
from pgwtui.connection import Connection
from pgwtui.demo import DEMO_POLICY
from tests.support.prometheus import FakePrometheus, demo_alerts
from tests.support.servers import free_port
from tests.support.tui import loaded, screen_text, table, wait_for
from tests.tui.conftest import demo_gateway, fixed_clock

SIZE = (172, 34)


class Silent:
    """A listener on 127.0.0.1 that reads each request and never answers (a Prometheus stuck on a query)."""

    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self.connections = 0
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self._sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._held.append(conn)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for conn in self._held:
            conn.close()
        self._sock.close()


@pytest.fixture
def silent() -> Iterator[Silent]:
    server = Silent()
    yield server
    server.stop()


def app_with(prometheus: Connection, transport: httpx.AsyncBaseTransport | None = None) -> PgwApp:
    """The demo gateway in-process; Prometheus over the real network unless `transport` is given."""
    settings = Settings(
        Connection("http://127.0.0.1:9091"), refresh_interval=0.0, policy=DEMO_POLICY, prometheus=prometheus
    )
    return create_app(
        settings,
        transport=httpx.ASGITransport(app=demo_gateway()),
        clock=fixed_clock,
        tz=UTC,
        prometheus_transport=transport,
    )


def column_lines(app: Any) -> list[str]:
    """The table's lines on screen, header first (the banners above it say the same in full)."""
    text = screen_text(app).splitlines()
    header = next(i for i, line in enumerate(text) if "PUSHES 24H" in line)
    return text[header : header + table(app).row_count + 1]


def said_once(app: Any, reason: str) -> None:
    lines = column_lines(app)
    assert sum(line.count(reason) for line in lines) == 1, "\n".join(lines)
    assert reason in lines[1], "in the first row on screen"
    assert "…" not in "\n".join(lines), "no row still waiting"


async def test_absent_prometheus_says_unreachable_once():
    app = app_with(Connection(f"http://127.0.0.1:{free_port()}"))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: app.state.cadence.error is not None, "the column's reason")
        said_once(app, "unreachable")
        assert "cannot reach Prometheus" in (app.state.cadence.error or "")
        assert "connection refused" in (app.state.cadence.error or "").lower()
        start = table(app).cursor_row
        await pilot.press("j", "j")
        assert table(app).cursor_row == start + 2
        said_once(app, "unreachable")


async def test_slow_prometheus_says_timed_out_once_and_the_table_keeps_moving(silent: Silent):
    app = app_with(Connection(silent.url, timeout=0.5))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: silent.connections, "a read waiting on the silent Prometheus")
        # While Prometheus keeps the read waiting, the rows say they are waiting and the keys still move.
        assert app.state.cadence.error is None
        assert "…" in "\n".join(column_lines(app))
        start = table(app).cursor_row
        await pilot.press("j", "j", "j")
        assert table(app).cursor_row == start + 3
        await pilot.press("1")
        assert table(app).sort_column == "key"
        await wait_for(pilot, lambda: app.state.cadence.error is not None, "the timeout", timeout=15)
        said_once(app, "timed out")
        assert "did not answer within 0.5s" in (app.state.cadence.error or "")
        asked = silent.connections
        await pilot.press("G", "g")
        await pilot.pause(0.5)
        assert silent.connections == asked, "not asked again before CADENCE_RETRY"


async def test_unauthorised_prometheus_says_refused_once():
    refusing = FakePrometheus(demo_alerts(fixed_clock()))
    refusing.refuse_ranges = 401
    app = app_with(Connection("http://prometheus:9090"), refusing)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: app.state.cadence.error is not None, "the column's reason")
        said_once(app, "refused 401")
        assert "it needs credentials" in (app.state.cadence.error or "")
        asked = refusing.requests
        await pilot.press("j", "G", "g")
        await pilot.pause(0.5)
        assert refusing.requests == asked, "not asked again before CADENCE_RETRY"
