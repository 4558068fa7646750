"""A group's push history and the cadence column against a real Prometheus, with real processes on 127.0.0.1 only.

Compressed time: Prometheus scrapes our gateway every second and evaluates the rules `pgwtui
rules` writes every second; a job pushes every two seconds (one push rejected), another pushed
once and stopped. pgwtui (Pilot, built from the same config) then shows what Prometheus stored:
the pushes it counts are the ones Prometheus's own `changes()` counts over the same window, the
usual interval is the schedule's, the 1 s rule gets its hint, the failure and the stale alert's
firing span are there, and the cadence column adds up to the same pushes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from pgwtui.app import create_app
from pgwtui.config import Overrides, resolve
from pgwtui.screens.group_detail import GroupDetailScreen
from pgwtui.views.history_figures import figures
from tests.conftest import require_binary
from tests.e2e.test_alert_triage import pgwtui_rules, poll
from tests.support.prometheus import PrometheusProcess
from tests.support.servers import BridgeProcess, free_port
from tests.support.tui import screen_text, table, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.prometheus]

CADENCE = (("instance", "db-1"), ("job", "e2e-cadence"))
STOPPED = (("job", "e2e-stopped"),)
EVERY = 2.0
PUSHES = 8
CONFIG = """
prometheus = "{prometheus}"
refresh_interval = "0"

[staleness]
default_max_age = "1h"

[[staleness.rules]]
job = "e2e-.*"
max_age = "1s"

[alerts]
for = "1s"
"""


@dataclass
class Stack:
    gateway: str
    prometheus: PrometheusProcess
    config: Path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    binary = require_binary("prometheus")
    tmp = tmp_path_factory.mktemp("history")
    served = BridgeProcess()
    try:
        port = free_port()
        config = tmp / "pgwtui.toml"
        config.write_text(CONFIG.format(prometheus=f"http://127.0.0.1:{port}"))
        rules = tmp / "rules.yml"
        pgwtui_rules(config, rules)
        prometheus = PrometheusProcess(binary, [served.url], [rules], port=port)
        try:
            push_on_a_schedule(served.url, prometheus)
            yield Stack(served.url, prometheus, config)
        finally:
            prometheus.stop()
    finally:
        served.stop()


def push_on_a_schedule(gateway: str, prometheus: PrometheusProcess) -> None:
    """`e2e-stopped` once; `e2e-cadence` every EVERY seconds, PUSHES times, the fourth push rejected as well."""
    assert httpx.put(f"{gateway}/metrics/job/e2e-stopped", content=b"e2e_rows 1\n", timeout=5).status_code == 200
    # Prometheus's first scrape comes seconds after it starts: pushes before it would go unseen.
    poll(lambda: prometheus.query('push_time_seconds{job="e2e-stopped"}'), "the first scrape")
    stop = threading.Event()

    def pusher() -> None:
        for i in range(PUSHES):
            body = f"e2e_rows {i}\n".encode()
            assert httpx.put(f"{gateway}/metrics/job/e2e-cadence/instance/db-1", content=body, timeout=5).is_success
            if i == 3:
                rejected = httpx.put(f"{gateway}/metrics/job/e2e-cadence/instance/db-1", content=b"e2e_rows 1 1000\n")
                assert rejected.status_code == 400
            if stop.wait(EVERY):
                return

    thread = threading.Thread(target=pusher, daemon=True)
    thread.start()
    thread.join(PUSHES * EVERY + 30)
    stop.set()
    (group,) = (
        g for g in httpx.get(f"{gateway}/api/v1/metrics", timeout=5).json()["data"] if g["labels"] == dict(CADENCE)
    )
    last = float(group["push_time_seconds"]["metrics"][0]["value"])
    # Prometheus has scraped the last push, and the stale group's alert fires.
    poll(lambda: prometheus.query(f'push_time_seconds{{job="e2e-cadence"}} == {last!r}'), "the last push scraped")
    poll(
        lambda: any(a["state"] == "firing" and a["labels"].get("job") == "e2e-stopped" for a in prometheus.alerts()),
        "the stopped group's alert firing",
    )


def prometheus_changes(prometheus: PrometheusProcess, job: str, window: str, at: float) -> int:
    (result,) = prometheus.query(f'changes(push_time_seconds{{job="{job}"}}[{window}])', at=at)
    return int(float(result["value"][1]))


async def test_the_history_is_what_prometheus_stored(stack: Stack):
    settings = resolve(Overrides(url=stack.gateway, config=stack.config), {})
    app = create_app(settings)
    async with app.run_test(size=(160, 44)) as pilot:
        await wait_for(pilot, lambda: table(app).row_count == 2, "both groups")
        assert table(app).move_to(CADENCE)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen), "detail")
        for key, name, window in (("1", "1h", "1h"), ("2", "24h", "1d")):
            await pilot.press(key)
            await wait_for(
                pilot,
                lambda n=name: app.state.history is not None and app.state.history.span.name == n,  # type: ignore[misc]
                f"the {name} history",
                timeout=20,
            )
            history = app.state.history
            assert history is not None and history.found
            group = app.state.group(CADENCE)
            assert group is not None
            threshold = settings.policy.threshold(group)
            lines = {f.label: f for f in figures(history, threshold, group.last_push, history.fetched_at, str)}
            expected = prometheus_changes(stack.prometheus, "e2e-cadence", window, history.window.end)
            assert expected >= PUSHES - 2, "Prometheus saw the schedule"
            assert lines["Pushes"].text.startswith(f"{expected} in {name}"), (lines["Pushes"].text, expected)
            assert lines["Failures"].text == f"1 in {name}"
            assert lines["Fit"].hint and "but the maximum age is 1s" in lines["Fit"].text
        await pilot.press("1")
        await wait_for(pilot, lambda: app.state.history is not None and app.state.history.span.name == "1h", "1h")
        usual = lines_usual(screen_text(app))
        assert 1.0 <= usual <= 4.0, f"the schedule pushes every {EVERY}s; pgwtui says ~{usual}s"

        await pilot.press("escape")
        assert table(app).move_to(STOPPED)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen) and app.screen.key == STOPPED, "detail")
        await wait_for(
            pilot,
            lambda: app.state.history is not None and app.state.history.key == STOPPED and app.state.history.firing,
            "the stale alert's firing span",
            timeout=20,
        )
        stopped = app.state.history
        assert stopped is not None
        assert {s.name for s in stopped.firing} == {"PushgatewayGroupStale"}
        assert "firing now" in screen_text(app)

        await pilot.press("escape")
        await wait_for(pilot, lambda: CADENCE in app.state.cadence.by_key, "the cadence column", timeout=20)
        cadence = app.state.cadence.by_key[CADENCE]
        assert cadence.counts is not None
        assert cadence.total == prometheus_changes(stack.prometheus, "e2e-cadence", "1d", cadence.fetched_at)
        assert cadence.counts[-1] == cadence.total, "all of them in the last two hours"


def lines_usual(text: str) -> float:
    found = re.search(r"usual interval ~(\d+)s", text)
    assert found, text
    return float(found.group(1))
