"""Stale-metric alert triage end to end, with real processes on 127.0.0.1 only.

A gateway (ours: `pgw-bridge serve --spool`; or the Go Pushgateway fed by `pgw-bridge watch`), a
real Prometheus (1 s scrape and evaluation, `honor_labels: true`) loaded with the rules `pgwtui
rules` writes from a test config, groups pushed through the spool by `pgw-bridge exec` and `drop`
that are already past their maximum age. Then, as an on-call engineer would: the alert fires in
Prometheus, pgwtui (Pilot, built from the same config) shows it on its group, the alerts view
leads to the group, `d` deletes it, and the alert resolves in Prometheus while the other group's
alert keeps firing. Every wait has a deadline.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from pgwtui.app import PgwApp, create_app
from pgwtui.config import Overrides, resolve
from pgwtui.models import parse_groups
from pgwtui.screens.alerts import AlertsScreen
from pgwtui.screens.confirm import ConfirmScreen
from pgwtui.screens.group_detail import GroupDetailScreen
from pgwtui.screens.groups import GroupsScreen
from pgwtui.widgets.groups_table import GroupsTable
from tests.conftest import require_binary
from tests.support.prometheus import PrometheusProcess
from tests.support.servers import GO_1_5, GO_1_11, REPO, BridgeProcess, GoGateway, free_port
from tests.support.spool_env import BridgeCommand
from tests.support.tui import screen_text, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.prometheus]

EXEC = (("instance", "db-1"), ("job", "e2e-exec"))
STALE = (("job", "e2e-stale"),)
FRESH = (("instance", ""), ("job", "e2e-fresh"))
CONFIG = """
prometheus = "{prometheus}"
refresh_interval = "1s"

[staleness]
default_max_age = "1h"

[[staleness.rules]]
job = "e2e-stale"
max_age = "1s"

[alerts]
for = "1s"
"""
DEADLINE = 60.0


@dataclass
class Stack:
    gateway: str
    bridge_metrics: str
    """Where Prometheus scrapes pgw-bridge's own metrics (the gateway itself in serve mode)."""
    prometheus: PrometheusProcess
    spool: Path
    config: Path


def bridge_cli(*args: str, stdin: bytes = b"") -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bridge", *args], input=stdin, capture_output=True, cwd=REPO, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr.decode()


def pgwtui_rules(config: Path, out: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pgwtui", "rules", "--config", str(config), "-o", str(out)],
        capture_output=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()


def poll(predicate: Callable[[], Any], what: str, timeout: float = DEADLINE) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last!r}")


def firing(prometheus: PrometheusProcess, job: str, name: str = "PushgatewayGroupStale") -> bool:
    return any(
        a["state"] == "firing" and a["labels"]["alertname"] == name and a["labels"].get("job") == job
        for a in prometheus.alerts()
    )


def groups_on(gateway: str) -> set[tuple[tuple[str, str], ...]]:
    groups, _ = parse_groups(httpx.get(f"{gateway}/api/v1/metrics", timeout=5).content)
    return {g.key for g in groups}


GATEWAYS = pytest.mark.parametrize("stack", ["ours", GO_1_11], ids=["ours", "go-1.11.0"], indirect=True)
"""The stacks: ours in serve mode, or a Go Pushgateway (its version, for `GoGateway`) fed by `pgw-bridge watch`."""


@pytest.fixture
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    prometheus_binary = require_binary("prometheus")
    spool = tmp_path / "spool"
    spool.mkdir()
    stops: list[Callable[[], object]] = []
    try:
        if request.param == "ours":
            served = BridgeProcess(["--spool", str(spool)])
            stops.append(served.stop)
            gateway = bridge_metrics = served.url
        else:
            if request.param == GO_1_5:
                require_binary("prometheus-pushgateway")
            # 1.11.0: the watcher quarantines the pushes it closes the connection on, as 1.5.1's 400s.
            go = GoGateway(version=request.param)
            stops.append(go.stop)
            bridge_metrics = f"http://127.0.0.1:{free_port()}"
            watcher = BridgeCommand(
                [
                    *("watch", "--spool", str(spool), "--gateway", go.url, "--quiet-period", "300ms"),
                    *("--metrics-listen", bridge_metrics.removeprefix("http://")),
                ]
            )
            stops.append(watcher.close)
            watcher.wait_logged("watching spool")
            gateway = go.url
        port = free_port()
        config = tmp_path / "pgwtui.toml"
        config.write_text(CONFIG.format(prometheus=f"http://127.0.0.1:{port}"))
        rules = tmp_path / "rules.yml"
        pgwtui_rules(config, rules)
        targets = sorted({gateway, bridge_metrics})
        prometheus = PrometheusProcess(prometheus_binary, targets, [rules], port=port)
        stops.append(prometheus.stop)
        yield Stack(gateway, bridge_metrics, prometheus, spool, config)
    finally:
        for stop in reversed(stops):
            stop()


def push_groups(spool: Path) -> None:
    """Three groups through the spool: two already past their maximum age, one fresh with instance=""."""
    bridge_cli("exec", "e2e-exec", "instance=db-1", "--max-age", "1s", "--spool", str(spool), "--", "true")
    bridge_cli("drop", "e2e-stale", "--spool", str(spool), stdin=b"e2e_stale_rows 42\n")
    bridge_cli("drop", "e2e-fresh", "instance=", "--spool", str(spool), stdin=b"e2e_fresh_rows 7\n")


def series_labels(prometheus: PrometheusProcess, expr: str) -> list[dict[str, str]]:
    return sorted((r["metric"] for r in prometheus.query(expr)), key=lambda m: m.get("job", ""))


def table(app: PgwApp) -> GroupsTable:
    return app.screen.query_one(GroupsTable)


async def in_thread(predicate: Callable[[], Any], what: str, timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(predicate):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.2)


@GATEWAYS
async def test_stale_group_alert_fires_shows_in_pgwtui_and_resolves_after_delete(stack: Stack) -> None:
    started = time.monotonic()
    push_groups(stack.spool)
    poll(lambda: {EXEC, STALE, FRESH} <= groups_on(stack.gateway), "the three groups on the gateway")
    prometheus = stack.prometheus
    poll(lambda: firing(prometheus, "e2e-exec") and firing(prometheus, "e2e-stale"), "both alerts firing")

    # What Prometheus stored: the pushed job/instance, never the scrape target's; instance="" dropped.
    targets = {stack.gateway.removeprefix("http://"), stack.bridge_metrics.removeprefix("http://")}
    assert {m["instance"] for m in series_labels(prometheus, "up")} == targets
    assert series_labels(prometheus, 'push_time_seconds{job=~"e2e-.*"}') == [
        {"__name__": "push_time_seconds", "job": "e2e-exec", "instance": "db-1"},
        {"__name__": "push_time_seconds", "job": "e2e-fresh"},
        {"__name__": "push_time_seconds", "job": "e2e-stale"},
    ]
    assert series_labels(prometheus, 'e2e_stale_rows{job="e2e-stale"}') == [
        {"__name__": "e2e_stale_rows", "job": "e2e-stale"}
    ]
    assert series_labels(prometheus, "pgw_exec_max_age_seconds") == [
        {"__name__": "pgw_exec_max_age_seconds", "job": "e2e-exec", "instance": "db-1"}
    ]
    assert not any(a["labels"].get("job") == "e2e-fresh" for a in prometheus.alerts()), "fresh: within 1h"
    stale_exec = next(
        a
        for a in prometheus.alerts()
        if a["labels"]["job"] == "e2e-exec" and a["labels"]["alertname"] == "PushgatewayGroupStale"
    )
    assert stale_exec["labels"]["staleness_rule"] == "pushed *_max_age_seconds"
    assert stale_exec["annotations"]["grouping_key"] == 'job="e2e-exec" instance="db-1"'

    # pgwtui, from the same config file, against the gateway and Prometheus.
    settings = resolve(Overrides(url=stack.gateway, config=stack.config), {})
    assert settings.prometheus is not None and settings.prometheus.url == prometheus.url
    app = create_app(settings)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(
            pilot,
            lambda: app.state.alert_index.on(EXEC) and app.state.alert_index.on(STALE) and table(app).row_count >= 3,
            "the alerts on their groups",
            timeout=30,
        )
        assert "PushgatewayGroupStale" in {a.name for a in app.state.alert_index.on(EXEC)}
        assert app.state.alert_index.on(FRESH) == ()
        rows = {row.key: row for row in table(app).rows}
        assert rows[EXEC].assessment.stale and rows[STALE].assessment.stale and not rows[FRESH].assessment.stale
        text = screen_text(app)
        assert 'job=e2e-fresh instance=""' in text
        assert "firing" in text

        # From the alert to the group, then delete it.
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen), "alerts view")
        screen = app.screen
        assert isinstance(screen, AlertsScreen)
        target_row = next(
            i for i, r in enumerate(screen.rows) if r.alert.name == "PushgatewayGroupStale" and r.target == EXEC
        )
        screen.table.move_cursor(row=target_row, animate=False)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen), "the alert's group")
        detail = app.screen
        assert isinstance(detail, GroupDetailScreen) and detail.key == EXEC
        assert "PushgatewayGroupStale" in screen_text(app)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen), "back to the groups", timeout=15)
        assert EXEC not in groups_on(stack.gateway) and STALE in groups_on(stack.gateway)

        # Prometheus resolves it (the series is gone); pgwtui sees it resolve; the other alert stays.
        await in_thread(lambda: not any(a["labels"].get("job") == "e2e-exec" for a in prometheus.alerts()), "resolved")
        await wait_for(
            pilot,
            lambda: any(n.title == "Alert resolved" and "e2e-exec" in n.message for n in app._notifications),
            "pgwtui shows the alert resolving",
            timeout=30,
        )
        assert firing(prometheus, "e2e-stale"), "the other stale group's alert still fires"
        assert app.state.alert_index.on(STALE)
    assert time.monotonic() - started < 120


def alert_labels(prometheus: PrometheusProcess, name: str) -> list[dict[str, str]]:
    return [a["labels"] for a in prometheus.alerts() if a["labels"]["alertname"] == name and a["state"] == "firing"]


@pytest.mark.parametrize(
    "stack", ["ours", GO_1_11, GO_1_5], ids=["ours", "go-1.11.0", "go-1.5.1"], indirect=True
)  # 1.5.1 as well: Debian 12's gateway answers the refused push and exposes the metrics the rules read
def test_failed_push_rejected_pushes_and_quarantine_alerts_on_real_gateways(stack: Stack) -> None:
    """The rules' selectors match what the real gateways and pgw-bridge expose, not just promtool's input."""
    prometheus = stack.prometheus
    bridge_cli("drop", "e2e-failing", "instance=db-9", "--spool", str(stack.spool), stdin=b"e2e_rows 1\n")
    poll(lambda: (("instance", "db-9"), ("job", "e2e-failing")) in groups_on(stack.gateway), "the group")
    poll(lambda: prometheus.query('push_time_seconds{job="e2e-failing"}'), "scraped once")
    # Pushes answered 400 (a body that does not parse, sent by hand): twice, a scrape apart. The gateway
    # creates the code="400" counter at 1 on the first one, and rate() needs an increase it has seen
    # (docs/alerts.md says so). A refused push that 1.11.0 closes the connection on is not counted at all.
    for _ in range(2):
        response = httpx.put(f"{stack.gateway}/metrics/job/e2e-by-hand", content=b"e2e_rows{ 2\n", timeout=5)
        assert response.status_code == 400
        time.sleep(1.5)
    # A push the store refuses (samples with timestamps), through the spool: the group's last push
    # failed, and the bridge quarantines the file (1.11.0: from the failure it recorded).
    (stack.spool / "e2e-failing@instance=db-9.prom").write_text("e2e_rows 2 1000\n")
    poll((stack.spool / "failed" / "e2e-failing@instance=db-9.prom.error").exists, "refused and quarantined")
    # A spool file that does not parse: quarantined by the bridge, never pushed.
    (stack.spool / "e2e-broken.prom").write_text("fine 1\nbroken{ 2\n")
    poll((stack.spool / "failed" / "e2e-broken.prom").exists, "quarantined")

    failed = poll(lambda: alert_labels(prometheus, "PushgatewayPushFailed"), "PushgatewayPushFailed")
    assert [(a["job"], a["instance"]) for a in failed] == [("e2e-failing", "db-9")]
    rejected = poll(lambda: alert_labels(prometheus, "PushgatewayPushesRejected"), "PushgatewayPushesRejected")
    assert [a["instance"] for a in rejected] == [stack.gateway.removeprefix("http://")]
    bridge = stack.bridge_metrics.removeprefix("http://")

    def both_reasons() -> list[dict[str, str]]:
        found = alert_labels(prometheus, "PushBridgeQuarantine")
        return found if len(found) == 2 else []

    quarantine = poll(both_reasons, "PushBridgeQuarantine for both reasons")
    assert sorted((a["reason"], a["instance"]) for a in quarantine) == [("parse_error", bridge), ("rejected", bridge)]
