"""Regenerate screenshots/*.svg from the real app, headless, at a fixed instant on the seeded demo gateway.

Run with `make screenshots` (or `python scripts/screenshots.py`). Every picture is the real
PgwApp built by `create_app`, talking HTTP (in-process, httpx.ASGITransport) to our real gateway
seeded from examples/demo. The alerts pictures add a Prometheus whose `/api/v1/alerts` answer is
canned (tests/support/prometheus.py `demo_alerts`: what Prometheus with the rules of `pgwtui
rules` reports about the demo groups at that instant) and whose range queries are answered from
fixed schedules (`demo_history`). `web.png` is the real `pgwtui web` (the demo gateway) in a real
headless Chromium, driven by the harness its test uses (tests/support/chromium.py, web.py).
Tests never write here.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pgwtui.app import PgwApp, create_app  # noqa: E402
from pgwtui.config import Settings  # noqa: E402
from pgwtui.connection import Connection  # noqa: E402
from pgwtui.demo import DEMO_POLICY, build_demo_gateway  # noqa: E402
from pgwtui.screens.alerts import AlertsScreen  # noqa: E402
from pgwtui.screens.confirm import ConfirmScreen  # noqa: E402
from pgwtui.screens.group_detail import GroupDetailScreen  # noqa: E402
from pgwtui.screens.help import HelpScreen  # noqa: E402
from pgwtui.widgets.groups_table import GroupsTable  # noqa: E402
from tests.support.chromium import Chromium, chromium_binary  # noqa: E402
from tests.support.prometheus import FakePrometheus, demo_alerts, demo_history  # noqa: E402
from tests.support.web import WebProcess, open_a_group  # noqa: E402

NOW = 1_780_000_000.0  # 2026-05-28 20:26:40 UTC
SIZE = (140, 36)
WIDE = (172, 36)
"""The alerts shots: room for the ALERTS and PUSHES 24H columns next to the demo's longest grouping key."""
TALL = (140, 42)
"""The history shot: the chart above the families."""
OUT = ROOT / "screenshots"
CANARY = (("instance", "canary-1"), ("job", "api-canary"), ("zone", "eu-west-1"))
CRON = (("instance", ""), ("job", "cron-cleanup"))

Steps = Callable[[Any], Awaitable[None]]


def make_app(transport: httpx.AsyncBaseTransport | None = None, *, alerts: bool = False) -> PgwApp:
    gateway = build_demo_gateway(NOW)
    prometheus = Connection("http://prometheus:9090") if alerts else None
    settings = Settings(
        Connection("http://127.0.0.1:9091"), refresh_interval=5.0, policy=DEMO_POLICY, prometheus=prometheus
    )
    return create_app(
        settings,
        transport=transport or httpx.ASGITransport(app=gateway),
        clock=lambda: NOW,
        tz=UTC,
        prometheus_transport=FakePrometheus(demo_alerts(NOW), demo_history(NOW)) if alerts else None,
    )


async def until(pilot: Any, predicate: Callable[[], object], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: timed out waiting for {what}")
        await pilot.pause(0.02)
    await pilot.pause()


async def loaded(pilot: Any) -> None:
    app = pilot.app
    await until(pilot, lambda: app.state.info is not None and app.screen.query_one(GroupsTable).row_count, "groups")


async def groups(pilot: Any) -> None:
    await loaded(pilot)
    await pilot.press("j", "j")


async def marked(pilot: Any) -> None:
    await loaded(pilot)
    await pilot.press("m")
    await pilot.pause(0.1)


async def detail(pilot: Any) -> None:
    await loaded(pilot)
    pilot.app.screen.query_one(GroupsTable).move_to(CANARY)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, GroupDetailScreen), "detail")
    await pilot.press("j")


async def delete_confirm(pilot: Any) -> None:
    await loaded(pilot)
    pilot.app.screen.query_one(GroupsTable).move_to(CRON)
    await pilot.press("d")
    await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen), "confirmation")


async def filtered(pilot: Any) -> None:
    await loaded(pilot)
    await pilot.press("slash", *"backup|etl")


async def help_screen(pilot: Any) -> None:
    await loaded(pilot)
    await pilot.press("question_mark")
    await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), "help")


async def with_alerts(pilot: Any) -> None:
    await loaded(pilot)
    await until(pilot, lambda: pilot.app.state.alert_index.by_group, "alerts")
    await until(pilot, lambda: len(pilot.app.state.cadence.by_key) >= 8, "cadences")
    await pilot.press("j", "j", "j")


async def alerts_view(pilot: Any) -> None:
    await with_alerts(pilot)
    await pilot.press("a")
    await until(pilot, lambda: isinstance(pilot.app.screen, AlertsScreen), "alerts view")
    await pilot.press("j")


async def history(pilot: Any) -> None:
    await with_alerts(pilot)
    pilot.app.screen.query_one(GroupsTable).move_to(CRON)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, GroupDetailScreen), "detail")
    await until(pilot, lambda: pilot.app.state.history is not None, "history")


async def unreachable(pilot: Any) -> None:
    await until(pilot, lambda: pilot.app.state.error is not None, "banner")


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused")


SHOTS: list[tuple[str, Steps, httpx.AsyncBaseTransport | None, bool]] = [
    ("groups.svg", groups, None, False),
    ("marked-stale.svg", marked, None, False),
    ("detail.svg", detail, None, False),
    ("delete-confirm.svg", delete_confirm, None, False),
    ("filter.svg", filtered, None, False),
    ("help.svg", help_screen, None, False),
    ("unreachable.svg", unreachable, httpx.MockTransport(refused), False),
    ("groups-alerts.svg", with_alerts, None, True),
    ("alerts.svg", alerts_view, None, True),
    ("history.svg", history, None, True),
]


async def shoot(name: str, steps: Steps, transport: httpx.AsyncBaseTransport | None, alerts: bool) -> Path:
    app = make_app(transport, alerts=alerts)
    async with app.run_test(size=TALL if name == "history.svg" else WIDE if alerts else SIZE) as pilot:
        await steps(pilot)
        await pilot.pause()
        app.save_screenshot(filename=name, path=str(OUT))
    return OUT / name


async def web_shot(path: Path) -> Path:
    """`pgwtui web` on the demo in headless Chromium: the groups, then a group opened."""
    binary = chromium_binary()
    if binary is None:
        raise SystemExit("screenshots: web.png needs chromium (make system-deps installs it)")
    with tempfile.TemporaryDirectory(prefix="pgwtui-web-shot-") as spool:
        web = WebProcess(["--demo", "--spool", spool, "--refresh", "5s"])
        browser = Chromium(binary, size=(1400, 860))
        try:
            page = await browser.new_page()
            await open_a_group(page, web.url, "job=ml-train instance=gpu-7", "FAMILIES")
            await asyncio.sleep(13)  # the demo's start-up notifications fade after 12 s
            await page.screenshot(path)
            await page.close()
        finally:
            browser.stop()
            web.stop()
    return path


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for name, steps, transport, alerts in SHOTS:
        path = asyncio.run(shoot(name, steps, transport, alerts))
        print(f"wrote {path.relative_to(ROOT)}")
    path = asyncio.run(web_shot(OUT / "web.png"))
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
