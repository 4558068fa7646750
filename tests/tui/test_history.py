"""Pilot tests: the detail's history (range keys, the cache, refresh) and the cadence column (lazy, cached, never in the way)."""

from __future__ import annotations

import asyncio
import json
from functools import partial
from typing import Any

import httpx

from pgwtui.screens.group_detail import GroupDetailScreen
from pgwtui.views.history import Window, history_range
from tests.support.prometheus import FakePrometheus, GroupHistory, demo_alerts, demo_history
from tests.support.tui import loaded, screen_text, table, wait_for
from tests.tui.conftest import NOW, make_app

CRON = (("instance", ""), ("job", "cron-cleanup"))


def prometheus() -> FakePrometheus:
    return FakePrometheus(demo_alerts(NOW), demo_history(NOW))


def demo(fake: httpx.AsyncBaseTransport, demo_app: Any) -> Any:
    app, _gateway = demo_app(prometheus=fake)
    return app


async def open_detail(pilot: Any, key: Any) -> GroupDetailScreen:
    app = pilot.app
    await loaded(pilot)
    assert table(app).move_to(key)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen), "detail")
    screen = app.screen
    assert isinstance(screen, GroupDetailScreen)
    return screen


def showing(app: Any, range_name: str) -> bool:
    return app.state.history is not None and app.state.history.span.name == range_name


def history_queries(fake: FakePrometheus) -> list[dict[str, str]]:
    return [q for q in fake.range_queries if not q["query"].startswith("(changes")]


async def test_range_keys_switch_the_chart_and_a_range_seen_is_not_read_again(demo_app):
    fake = prometheus()
    app = demo(fake, demo_app)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_detail(pilot, CRON)
        await wait_for(pilot, lambda: app.state.history is not None, "the 24h history")
        assert "HISTORY · last 24h" in screen_text(app)
        assert "usual interval ~6h" in screen_text(app)
        for key, name in (("4", "30d"), ("1", "1h"), ("3", "7d")):
            await pilot.press(key)
            await wait_for(pilot, partial(showing, app, name), name)
            assert f"HISTORY · last {name}" in screen_text(app)
            window = Window.ending(history_range(name), NOW)
            asked = history_queries(fake)[-5:]
            assert {(float(q["start"]), float(q["end"]), float(q["step"])) for q in asked} == {
                (window.start, window.end, window.step)
            }
            assert all('job="cron-cleanup"' in q["query"] for q in asked)
        assert "120 in 30d" not in screen_text(app)  # the 7d chart is shown, not the 30d one
        before = len(history_queries(fake))
        await pilot.press("4")
        await wait_for(pilot, lambda: app.state.history is not None and app.state.history.span.name == "30d", "30d")
        assert len(history_queries(fake)) == before, "a range seen moments ago comes from the cache"
        assert "120 in 30d" in screen_text(app)
        await pilot.press("r")
        await wait_for(pilot, lambda: len(history_queries(fake)) == before + 5, "r reads the history afresh")


async def test_the_hint_names_the_rule_to_write(demo_app):
    app = demo(prometheus(), demo_app)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_detail(pilot, CRON)
        await wait_for(pilot, lambda: app.state.history is not None, "history")
        text = screen_text(app)
        assert "the job pushes every ~6h but the maximum age is" in text
        assert 'job = "cron-cleanup", max_age = "12h"' in text


async def test_without_prometheus_there_is_no_history_and_no_cadence(demo_app):
    app, _gateway = demo_app()
    async with app.run_test(size=(140, 34)) as pilot:
        await open_detail(pilot, CRON)
        assert "HISTORY" not in screen_text(app)
        await pilot.press("2")
        await wait_for(pilot, lambda: app._notifications, "a word on why")
        assert "No Prometheus configured" in next(iter(app._notifications)).message
        await pilot.press("escape")
        assert "PUSHES 24H" not in screen_text(app)


async def test_a_history_that_cannot_be_read_says_why(demo_app):
    fake = prometheus()
    app = demo(fake, demo_app)
    async with app.run_test(size=(140, 40)) as pilot:
        await loaded(pilot)
        fake.refuse_ranges = 503
        await open_detail(pilot, CRON)
        await wait_for(pilot, lambda: app.state.history_error is not None, "the error")
        assert app.state.history_error[2].endswith("/api/v1/query_range answered 503: Service Unavailable")
        text = screen_text(app)
        assert "Cannot read the history:" in text and "answered 503:" in text and "Service Unavailable" in text
        fake.refuse_ranges = None
        await pilot.press("r")
        await wait_for(pilot, lambda: app.state.history is not None, "the history after all")
        assert "Cannot read" not in screen_text(app)


# ----------------------------------------------------------------- the cadence column
def many_groups(count: int) -> httpx.MockTransport:
    """A gateway with `count` groups job=batch-0000…, pushed at NOW."""
    entries = [
        {
            "labels": {"job": f"batch-{i:04d}"},
            "last_push_successful": True,
            "push_time_seconds": {"time_stamp": "2026-05-28T20:26:40Z", "metrics": [{"value": str(NOW)}]},
        }
        for i in range(count)
    ]
    body = json.dumps({"status": "success", "data": entries}).encode()
    return httpx.MockTransport(lambda request: httpx.Response(200, content=body))


def batch_history(count: int) -> dict[Any, GroupHistory]:
    return {
        (("job", f"batch-{i:04d}"),): GroupHistory([NOW - 3600.0 * (1 + i % 5 + 3 * n) for n in range(8)])
        for i in range(count)
    }


def cadence_keys(fake: FakePrometheus) -> list[set[str]]:
    import re

    return [set(re.findall(r'job="(batch-\d+)"', q["query"])) for q in fake.range_queries if q["query"].startswith("(")]


async def test_only_the_rows_on_screen_are_asked_for_and_each_only_once():
    from tests.support.prometheus import FakeHistory

    fake = FakePrometheus(history=FakeHistory(batch_history(500)))
    app = make_app(transport=many_groups(500), prometheus=fake)
    async with app.run_test(size=(172, 30)) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: len(app.state.cadence.by_key) > 0, "first screenful")
        await pilot.pause(0.5)  # the layout may grow the page by a row once: that row is asked for alone
        asked = cadence_keys(fake)
        first = set().union(*asked)
        on_screen = {dict(k)["job"] for k in table(app).visible_keys()}
        assert first == on_screen and 10 < len(on_screen) < 40
        assert sum(map(len, asked)) == len(first), "no row asked for twice"
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: len(cadence_keys(fake)) == len(asked) + 1, "the next screenful")
        second = cadence_keys(fake)[-1]
        assert second and not (second & first), "a row already known is not asked for again"
        await pilot.press("ctrl+b")
        await pilot.pause(0.5)
        assert len(cadence_keys(fake)) == len(asked) + 1, "back to the first screen: all cached"
        assert "█" in screen_text(app)


async def test_scrolling_through_asks_nothing_until_the_rows_rest(monkeypatch):
    from pgwtui.screens import groups
    from tests.support.prometheus import FakeHistory

    fake = FakePrometheus(history=FakeHistory(batch_history(2000)))
    app = make_app(transport=many_groups(2000), prometheus=fake)
    async with app.run_test(size=(172, 30)) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: len(cadence_keys(fake)) >= 1, "first screenful")
        await pilot.pause(0.5)
        settled = len(cadence_keys(fake))
        # The rows never rest long enough while the keys come: every move restarts the wait.
        monkeypatch.setattr(groups, "CADENCE_DELAY", 3600.0)
        for _ in range(30):
            await pilot.press("ctrl+f")
        await pilot.pause(0.3)
        assert len(cadence_keys(fake)) == settled, "nothing asked while scrolling through"
        screen = app.screen
        assert isinstance(screen, groups.GroupsScreen) and screen._cadence_timer is not None
        screen._cadence_timer.stop()
        screen._ask_cadence()  # what the timer does once the rows rest
        await wait_for(pilot, lambda: len(cadence_keys(fake)) == settled + 1, "where it stopped")
        assert cadence_keys(fake)[-1] == {dict(k)["job"] for k in table(app).visible_keys()}


class Stalled(httpx.AsyncBaseTransport):
    """A Prometheus that answers alerts at once and range queries only when released."""

    def __init__(self) -> None:
        self.inner = prometheus()
        self.release = asyncio.Event()
        self.waiting = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/query_range":
            self.waiting += 1
            await self.release.wait()
        return await self.inner.handle_async_request(request)


async def test_a_slow_prometheus_never_holds_up_the_table(demo_app):
    stalled = Stalled()
    app = demo(stalled, demo_app)
    async with app.run_test(size=(172, 34)) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: stalled.waiting, "a cadence read in flight")
        assert "…" in screen_text(app)
        start = table(app).cursor_row
        await pilot.press("j", "j", "j")
        assert table(app).cursor_row == start + 3, "keys still move the cursor"
        await pilot.press("1")
        assert table(app).sort_column == "key"
        stalled.release.set()
        await wait_for(pilot, lambda: len(app.state.cadence.by_key) >= 8, "the cadences at last")
        assert "…" not in screen_text(app)


async def test_an_unreachable_prometheus_is_said_once_in_the_column(demo_app):
    fake = prometheus()
    fake.down = True
    app = demo(fake, demo_app)
    async with app.run_test(size=(172, 34)) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: app.state.cadence.error is not None, "the failure")
        text = screen_text(app)
        assert text.count("unreachable") == 1
        assert "cannot reach Prometheus" in (app.state.cadence.error or "")
        requests = fake.requests
        await pilot.press("G", "g")
        await pilot.pause(0.5)
        assert not [q for q in fake.range_queries], "nothing reached it"
        assert fake.requests == requests, "not asked again before CADENCE_RETRY"
