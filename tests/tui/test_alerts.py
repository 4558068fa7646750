"""Pilot flows with a Prometheus: alerts on their groups, the alerts view, jump to the group, delete and watch it resolve.

The gateway is the seeded demo (in-process); Prometheus is `FakePrometheus`, which answers
`/api/v1/alerts` with what a Prometheus loaded with `pgwtui rules` reports about the demo (the
real Prometheus is in tests/e2e/test_alert_triage.py).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import pgwtui.alerts.watch
from pgwtui.screens.alerts import AlertsScreen
from pgwtui.screens.confirm import ConfirmScreen
from pgwtui.screens.group_detail import GroupDetailScreen
from pgwtui.screens.groups import GroupsScreen
from tests.support.prometheus import FakePrometheus, demo_alerts
from tests.support.tui import screen_text, table, wait_for
from tests.tui.conftest import NOW, demo_gateway, make_app

SIZE = (160, 34)
CRON = (("instance", ""), ("job", "cron-cleanup"))
ML = (("instance", "gpu-7"), ("job", "ml-train"))


def build(**kwargs: Any) -> tuple[Any, Any, FakePrometheus]:
    gateway = demo_gateway()
    prometheus = FakePrometheus(demo_alerts(NOW))
    app = make_app(transport=httpx.ASGITransport(app=gateway), prometheus=prometheus, **kwargs)
    return app, gateway, prometheus


async def ready(pilot: Any) -> None:
    app = pilot.app
    await wait_for(
        pilot,
        lambda: app.state.alerts is not None and table(app).row_count > 0 and app.state.alert_index.by_group,
        "alerts",
    )


def cells(app: Any) -> dict[str, str]:
    screen = app.screen
    assert isinstance(screen, GroupsScreen)
    fmt_alerts = screen._alert_counts
    return {row.text: (fmt_alerts[row.key].text() if row.key in fmt_alerts else "-") for row in table(app).rows}


async def test_alerts_show_on_the_groups_they_match(demo_app):
    app, _, _ = build()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        text = screen_text(app)
        assert "ALERTS" in text
        assert cells(app) == {
            "job=ml-train instance=gpu-7": "2 firing",
            "job=etl stage=load": "1 pending",
            "job=backup instance=db-2": "1 firing",
            'job=cron-cleanup instance=""': "1 firing",  # Prometheus dropped instance=""; still this group
            "job=nightly-report": "-",
            "job=backup instance=db-1": "-",  # same job, other instance: not this group's alert
            "job=deploy path=/srv/app": "-",
            "job=api-canary instance=canary-1 zone=eu-west-1": "-",
        }
        assert "alerts 5 firing, 1 pending" in text, "the gateway-wide 400 alert counts; the unrelated one does not"
        await pilot.press("7")  # sort by alerts: most firing first
        assert table(app).rows[0].key == ML


async def test_the_alerts_view_lists_alerts_with_their_group_and_enter_opens_it(demo_app):
    app, _, _ = build()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"deploy", "enter")  # a filter that hides the alert's group
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen), "alerts view")
        screen = app.screen
        rows = screen.rows
        assert [(r.state, r.alert.name) for r in rows] == [
            ("firing", "PushgatewayGroupStale"),
            ("firing", "PushgatewayGroupStale"),
            ("firing", "PushgatewayGroupStale"),
            ("firing", "PushgatewayPushesRejected"),
            ("firing", "PushgatewayPushFailed"),
            ("pending", "PushgatewayPushFailed"),
        ], "firing first, longest active first; HostHighLoad is about nothing here"
        text = screen_text(app)
        assert "1 other alert(s) about nothing here not shown" in text
        assert "— no group on this gateway" in text
        assert 'job=cron-cleanup instance=""' in text
        await pilot.press("j")
        assert "enter opens it" in screen_text(app) and 'instance=""' not in rows[1].alert.labels
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen), "the alert's group")
        assert app.screen.key == CRON
        text = screen_text(app)
        assert "Alerts        firing 4h00m  PushgatewayGroupStale" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen), "groups")
        current = table(app).current
        assert current is not None and current.key == CRON, "the filter was cleared to show it"


async def test_an_alert_about_no_group_says_so(demo_app):
    app, _, _ = build()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen), "alerts view")
        await pilot.press("j", "j", "j", "enter")
        assert isinstance(app.screen, AlertsScreen)
        assert any("about no group" in n.message for n in app._notifications)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen), "back")


async def test_after_a_delete_the_alert_is_watched_until_it_resolves(demo_app, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(pgwtui.alerts.watch, "RESOLVE_POLL", 0.05)
    app, gateway, prometheus = build()  # auto-refresh is off: only the watch re-reads Prometheus
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen), "alerts view")
        await pilot.press("j", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen), "group")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: CRON not in gateway.gateway.store.groups, "deleted on the gateway")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen), "back to the list")
        await wait_for(pilot, lambda: "1 resolving" in screen_text(app), "resolving in the status bar")
        before = prometheus.requests
        await wait_for(pilot, lambda: prometheus.requests > before + 2, "Prometheus re-read after the delete")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen), "alerts view")
        assert 'deleted: job=cron-cleanup instance=""' in screen_text(app)
        # Prometheus evaluates the rule again: the series is gone, the alert resolves.
        prometheus.alerts = [a for a in prometheus.alerts if a["labels"]["job"] != "cron-cleanup"]
        await wait_for(pilot, lambda: any(n.title == "Alert resolved" for n in app._notifications), "resolved")
        note = next(n for n in app._notifications if n.title == "Alert resolved")
        assert 'PushgatewayGroupStale on job=cron-cleanup instance="" resolved in Prometheus' in note.message
        await wait_for(pilot, lambda: any(r.state == "resolved" for r in app.screen.rows), "resolved row")
        assert "resolved" in screen_text(app)
        asked = prometheus.requests
        await pilot.pause(0.3)
        assert prometheus.requests == asked, "the watch stops once everything resolved"


async def test_unreachable_prometheus_banner_keeps_the_groups_then_recovers(demo_app):
    app, _, prometheus = build(refresh=5.0)
    prometheus.down = True
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state.alerts_error is not None and table(app).row_count == 8, "banner")
        text = screen_text(app)
        assert "alerts unknown: cannot reach Prometheus at http://prometheus:9090: connection refused" in text, text
        assert "the groups are still read from the gateway" in text
        assert "alerts ?" in text
        assert "Traceback" not in text and app.state.error is None
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen), "alerts view")
        assert "No alerts read yet: Prometheus did not answer" in screen_text(app)
        prometheus.down = False
        await pilot.press("r")
        await wait_for(pilot, lambda: app.state.alerts_error is None and app.screen.rows, "recovery")
        assert "alerts unknown" not in screen_text(app)
        assert any(n.title == "Alerts" and "answers again" in n.message for n in app._notifications)


async def test_not_prometheus_says_what_to_check(demo_app):
    not_prometheus = httpx.MockTransport(lambda r: httpx.Response(404, text="404 page not found\n"))
    app = make_app(transport=httpx.ASGITransport(app=demo_gateway()), prometheus=not_prometheus)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state.alerts_error is not None, "banner")
        error = app.state.alerts_error
        assert error is not None
        assert "/api/v1/alerts answered 404" in error
        assert "route prefix" in error
        garbage = httpx.MockTransport(lambda r: httpx.Response(200, text="<html>hello</html>"))
        assert app.prometheus is not None
        app.prometheus._http._transport = garbage  # the same server now answers HTML
        await pilot.press("r")
        await wait_for(pilot, lambda: "is this Prometheus?" in (app.state.alerts_error or ""), "protocol error")


async def test_without_prometheus_there_is_no_alerts_column_and_a_does_nothing(demo_app):
    app, _ = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: table(app).row_count == 8, "loaded")
        text = screen_text(app)
        assert "ALERTS" not in text and "alerts" not in text.split("│")[0]
        await pilot.press("a", "7")
        assert isinstance(app.screen, GroupsScreen) and table(app).sort_column == "status"


async def test_read_only_can_triage_but_not_delete(demo_app):
    app, gateway, _ = build(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen), "alerts view")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen), "group")
        await pilot.press("d")
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("Read-only" in n.message for n in app._notifications)
        assert len(gateway.gateway.store.groups) == 8
