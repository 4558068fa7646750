"""Snapshot tests of every main screen (fixed clock, fixed data, fixed gateway identity), by feature.

Update after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`, then
look at the SVGs in `__snapshots__/` before committing them.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from pgwtui.screens.alerts import AlertsScreen
from pgwtui.screens.confirm import ConfirmScreen
from pgwtui.screens.group_detail import GroupDetailScreen
from pgwtui.screens.help import HelpScreen
from pgwtui.views.history import RANGES
from tests.support.prometheus import FakePrometheus, demo_alerts, demo_history
from tests.support.tui import table, wait_for
from tests.tui.conftest import NOW, SIZE, demo_gateway, make_app

CANARY = (("instance", "canary-1"), ("job", "api-canary"), ("zone", "eu-west-1"))
DB1 = (("instance", "db-1"), ("job", "backup"))
CRON = (("instance", ""), ("job", "cron-cleanup"))
ML = (("instance", "gpu-7"), ("job", "ml-train"))
ETL = (("job", "etl"), ("stage", "load"))
RANGES_BY_NAME = {r.name: r for r in RANGES}


class FixedIdentity(httpx.AsyncBaseTransport):
    """The seeded gateway, introducing itself as a Go Pushgateway 1.5.1 (snapshots must not change
    when our gateway's version or extensions do)."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None, *, extensions: bool = False) -> None:
        self.inner = inner or httpx.ASGITransport(app=demo_gateway())
        self.extensions = extensions

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/status":
            body = {"status": "success", "data": {"build_information": {"version": "1.5.1"}}}
            return httpx.Response(200, json=body)
        if request.url.path == "/api/v1/extensions":
            if not self.extensions:
                return httpx.Response(404, text="404 page not found\n")
            data = {"implementation": "pgw-bridge", "version": "0.1.0", "family_delete": True}
            return httpx.Response(200, content=json.dumps({"status": "success", "data": data}))
        return await self.inner.handle_async_request(request)


def app_for(transport: httpx.AsyncBaseTransport | None = None, **kwargs: Any) -> Any:
    return make_app(transport=transport or FixedIdentity(), **kwargs)


async def ready(pilot: Any) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: table(app).row_count > 0 and app.state.info is not None, "loaded")


class TestGroupsView:
    def test_mixed_states(self, snap_compare):
        assert snap_compare(app_for(), terminal_size=SIZE, run_before=ready)

    def test_filter_in_use(self, snap_compare):
        async def run(pilot: Any) -> None:
            await ready(pilot)
            await pilot.press("slash", *"backup|etl")

        assert snap_compare(app_for(), terminal_size=SIZE, run_before=run)

    def test_marks_and_sort_by_key(self, snap_compare):
        async def run(pilot: Any) -> None:
            await ready(pilot)
            await pilot.press("1", "g", "space", "j", "space")

        assert snap_compare(app_for(), terminal_size=SIZE, run_before=run)

    def test_read_only(self, snap_compare):
        assert snap_compare(app_for(read_only=True), terminal_size=SIZE, run_before=ready)

    def test_empty_gateway(self, snap_compare):
        empty = httpx.MockTransport(lambda r: httpx.Response(200, json={"status": "success", "data": []}))

        async def run(pilot: Any) -> None:
            await wait_for(pilot, lambda: pilot.app.state.snapshot is not None, "empty snapshot")

        assert snap_compare(app_for(FixedIdentity(empty)), terminal_size=SIZE, run_before=run)


class TestConnection:
    def test_unreachable_banner(self, snap_compare):
        def refused(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("[Errno 111] Connection refused")

        async def run(pilot: Any) -> None:
            await wait_for(pilot, lambda: pilot.app.state.error is not None, "banner")

        assert snap_compare(app_for(httpx.MockTransport(refused), refresh=5.0), terminal_size=SIZE, run_before=run)


class TestDetail:
    def test_histogram_and_summary(self, snap_compare):
        async def run(pilot: Any) -> None:
            await ready(pilot)
            table(pilot.app).move_to(CANARY)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, GroupDetailScreen), "detail")
            await pilot.press("j")

        assert snap_compare(app_for(), terminal_size=SIZE, run_before=run)

    def test_failed_and_stale_group(self, snap_compare):
        async def run(pilot: Any) -> None:
            await ready(pilot)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, GroupDetailScreen), "detail")

        assert snap_compare(app_for(), terminal_size=SIZE, run_before=run)


class TestDialogs:
    def test_delete_confirmation(self, snap_compare):
        async def run(pilot: Any) -> None:
            await ready(pilot)
            table(pilot.app).move_to((("instance", ""), ("job", "cron-cleanup")))
            await pilot.press("d")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen), "dialog")

        assert snap_compare(app_for(), terminal_size=SIZE, run_before=run)

    def test_delete_marked_confirmation(self, snap_compare):
        async def run(pilot: Any) -> None:
            await ready(pilot)
            await pilot.press("m", "D")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen), "dialog")

        assert snap_compare(app_for(), terminal_size=SIZE, run_before=run)

    def test_family_repush_warning(self, snap_compare):
        async def run(pilot: Any) -> None:
            await ready(pilot)
            table(pilot.app).move_to(DB1)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, GroupDetailScreen), "detail")
            await pilot.press("j", "j", "x")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen), "dialog")

        assert snap_compare(app_for(), terminal_size=SIZE, run_before=run)


ALERTS_SIZE = (172, 34)
"""Wide enough for the ALERTS and PUSHES 24H columns next to the demo's longest grouping key."""


def alerting_app(prometheus: httpx.AsyncBaseTransport | None = None) -> Any:
    return app_for(prometheus=prometheus or FakePrometheus(demo_alerts(NOW), demo_history(NOW)))


async def alerts_ready(pilot: Any) -> None:
    await ready(pilot)
    await wait_for(pilot, lambda: pilot.app.state.alert_index.by_group, "alerts")
    app = pilot.app
    await wait_for(pilot, lambda: app.state.cadence.error or len(app.state.cadence.by_key) >= 8, "cadences")


async def history_ready(pilot: Any, key: Any, range_name: str = "24h") -> None:
    app = pilot.app
    await alerts_ready(pilot)
    table(app).move_to(key)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen), "detail")
    history = RANGES_BY_NAME[range_name]
    if history.name != "24h":
        await pilot.press(history.key)
    await wait_for(
        pilot,
        lambda: (h := app.state.history) is not None and h.key == key and h.span.name == range_name,
        f"the {range_name} history",
    )


class TestAlerts:
    def test_groups_with_alerts(self, snap_compare):
        assert snap_compare(alerting_app(), terminal_size=ALERTS_SIZE, run_before=alerts_ready)

    def test_alerts_view(self, snap_compare):
        async def run(pilot: Any) -> None:
            await alerts_ready(pilot)
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, AlertsScreen), "alerts view")
            await pilot.press("j")

        assert snap_compare(alerting_app(), terminal_size=ALERTS_SIZE, run_before=run)

    def test_group_detail_with_alerts(self, snap_compare):
        async def run(pilot: Any) -> None:
            await alerts_ready(pilot)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, GroupDetailScreen), "detail")

        assert snap_compare(alerting_app(), terminal_size=ALERTS_SIZE, run_before=run)

    def test_prometheus_unreachable(self, snap_compare):
        down = FakePrometheus()
        down.down = True

        async def run(pilot: Any) -> None:
            await ready(pilot)
            await wait_for(pilot, lambda: pilot.app.state.alerts_error is not None, "alerts banner")

        assert snap_compare(alerting_app(down), terminal_size=ALERTS_SIZE, run_before=run)


class TestHistory:
    """The detail's history chart and the cadence column, from a Prometheus answering from fixed schedules."""

    def test_six_hourly_job_with_a_one_hour_rule_gets_a_hint(self, snap_compare):
        async def run(pilot: Any) -> None:
            await history_ready(pilot, CRON)

        assert snap_compare(alerting_app(), terminal_size=(140, 40), run_before=run)

    def test_failed_and_stale_over_a_day(self, snap_compare):
        async def run(pilot: Any) -> None:
            await history_ready(pilot, ML)

        assert snap_compare(alerting_app(), terminal_size=(140, 40), run_before=run)

    def test_thirty_days_of_a_fast_job(self, snap_compare):
        async def run(pilot: Any) -> None:
            await history_ready(pilot, ETL, "30d")

        assert snap_compare(alerting_app(), terminal_size=(140, 40), run_before=run)

    def test_history_unreadable(self, snap_compare):
        refusing = FakePrometheus(demo_alerts(NOW))
        refusing.refuse_ranges = 401

        async def run(pilot: Any) -> None:
            app = pilot.app
            await ready(pilot)
            await wait_for(pilot, lambda: app.state.cadence.error is not None, "the column's reason")
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.state.history_error is not None, "the history's error")

        assert snap_compare(alerting_app(refusing), terminal_size=(140, 40), run_before=run)

    def test_cadence_column_refused_says_why_once(self, snap_compare):
        refusing = FakePrometheus(demo_alerts(NOW))
        refusing.refuse_ranges = 401

        async def run(pilot: Any) -> None:
            await ready(pilot)
            await wait_for(pilot, lambda: pilot.app.state.cadence.error is not None, "the column's reason")

        assert snap_compare(alerting_app(refusing), terminal_size=ALERTS_SIZE, run_before=run)


class TestHelp:
    def test_help_screen(self, snap_compare):
        async def run(pilot: Any) -> None:
            await ready(pilot)
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), "help")

        assert snap_compare(app_for(), terminal_size=SIZE, run_before=run)
