"""`pgw-bridge watch` as users run it (a real process) against the real Go Pushgateway and against ours."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest

from tests.conftest import require_binary
from tests.support.servers import GO_1_5, GO_1_11
from tests.support.spool_env import (
    BridgeCommand,
    GoAt,
    OursAt,
    drop_file,
    scrape,
    spool_files,
    value,
    variants,
    wait_for,
)

pytestmark = pytest.mark.usefixtures("no_thread_leaks")


class Restartable(Protocol):
    url: str

    @property
    def version(self) -> str | None: ...

    def start(self) -> object: ...

    def stop(self) -> None: ...


@pytest.fixture(params=[pytest.param(v, marks=pytest.mark.oracle, id=f"go-{v}") for v in (GO_1_11, GO_1_5)] + ["ours"])
def gateway(request: pytest.FixtureRequest) -> Iterator[Restartable]:
    if request.param == GO_1_5:
        require_binary("prometheus-pushgateway")
    gw: Restartable = OursAt() if request.param == "ours" else GoAt(version=request.param)
    gw.start()
    yield gw
    gw.stop()


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    path = tmp_path / "spool"
    path.mkdir()
    return path


def watch(spool: Path, url: str, *extra: str, env: dict[str, str] | None = None) -> BridgeCommand:
    bridge = BridgeCommand(
        [
            "watch",
            "--spool",
            str(spool),
            "--gateway",
            url,
            "--retry-initial",
            "50ms",
            "--retry-max",
            "500ms",
            "--quiet-period",
            "300ms",
            "--log.level",
            "debug",
            *extra,
        ],
        env=env,
    )
    bridge.wait_logged("watching spool")
    return bridge


def test_drops_of_every_kind_reach_the_gateway(gateway: Restartable, spool: Path) -> None:
    bridge = watch(spool, gateway.url)
    try:
        drop_file(spool, "backup@instance=db%2F1@env=.prom", "# TYPE backup_ok gauge\nbackup_ok 1\n")
        with (spool / "inplace.prom").open("w") as handle:  # written in place: read after close-write
            handle.write("inplace_value 7\n")
        for i in range(200):
            drop_file(spool, f"many@n={i}.prom", f"many_value {i}\n")
        wait_for(lambda: spool_files(spool) == [], timeout=60, what="spool drained")
        series = scrape(gateway.url)
        assert value(series, "backup_ok", job="backup", instance="db/1", env="") == 1.0
        assert value(series, "inplace_value", job="inplace") == 7.0
        assert all(value(series, "many_value", job="many", n=str(i)) == float(i) for i in range(200))

        drop_file(spool / "add", "backup@instance=db%2F1@env=.prom", "added 2\n")
        wait_for(lambda: value(scrape(gateway.url), "added", job="backup") == 2.0)
        assert value(scrape(gateway.url), "backup_ok", job="backup") == 1.0
        drop_file(spool / "delete", "backup@instance=db%2F1@env=.prom", "")
        wait_for(lambda: value(scrape(gateway.url), "backup_ok", job="backup") is None)
        assert os.listdir(spool / "failed") == []
    finally:
        assert bridge.stop() == 0, bridge.logs()


def test_bad_files_are_quarantined_with_the_gateways_reason(gateway: Restartable, spool: Path) -> None:
    bridge = watch(spool, gateway.url)
    try:
        drop_file(spool, "parse.prom", "fine 1\n\nbroken{ 2\n")
        drop_file(spool, "stamped.prom", "stamped 1 1700000000000\n")
        drop_file(spool, "name@oops.prom", "x 1\n")
        drop_file(spool, "conflict.prom", "# TYPE shared gauge\nshared 1\n")
        wait_for(lambda: spool_files(spool) == [])
        drop_file(spool, "conflict2.prom", "# TYPE shared counter\nshared 1\n")
        wait_for(lambda: len(os.listdir(spool / "failed")) == 8, what="four quarantined files")
    finally:
        bridge.stop()
    failed = spool / "failed"
    assert "text format parsing error in line 3" in (failed / "parse.prom.error").read_text()
    stamped = (failed / "stamped.prom.error").read_text()
    conflict = (failed / "conflict2.prom.error").read_text()
    assert f"gateway: {gateway.url}" in stamped
    if gateway.version == GO_1_11:
        # 1.11.0 closes the connection on both instead of answering 400; the bridge asked its API.
        for report in (stamped, conflict):
            assert "status: no answer (connection closed)" in report
            assert "recorded a failed push for this group at" in report
            assert "Pushgateway 1.11.0 does this when it rejects a push" in report
    else:
        assert "status: 400" in stamped and "pushed metrics must not have timestamps" in stamped
        assert "status: 400" in conflict and "shared" in conflict
    assert "has no '='" in (failed / "name@oops.prom.error").read_text()
    assert (failed / "stamped.prom").read_text() == "stamped 1 1700000000000\n"


def test_gateway_down_for_a_while_then_everything_arrives_in_order(gateway: Restartable, spool: Path) -> None:
    bridge = watch(spool, gateway.url)
    try:
        gateway.stop()
        names = variants("ordered", 10)
        (spool / "add").mkdir(exist_ok=True)
        for i, name in enumerate(names):
            drop_file(spool / "add", name, f"last_step {i}\nseen_{i} 1\n")
            drop_file(spool, f"other@n={i}.prom", f"other {i}\n")
        bridge.wait_logged("push failed, will retry")
        time.sleep(1.0)
        assert len(spool_files(spool)) == 20
        gateway.start()
        wait_for(lambda: spool_files(spool) == [], timeout=30, what="spool drained after the gateway came back")
        series = scrape(gateway.url)
        assert value(series, "last_step", job="ordered") == 9.0
        assert all(value(series, f"seen_{i}", job="ordered") == 1.0 for i in range(10))
        assert all(value(series, "other", job="other", n=str(i)) == float(i) for i in range(10))
    finally:
        assert bridge.stop() == 0, bridge.logs()


def test_bridge_killed_mid_stream_then_restarted_loses_nothing(gateway: Restartable, spool: Path) -> None:
    bridge = watch(spool, gateway.url)
    for i in range(400):
        drop_file(spool, f"stream@n={i}.prom", f"stream_value {i}\n")
    wait_for(lambda: len(spool_files(spool)) < 400, what="some files delivered")
    bridge.kill()
    left = len(spool_files(spool))
    bridge.close()
    bridge = watch(spool, gateway.url)
    try:
        try:
            wait_for(lambda: spool_files(spool) == [], timeout=60, what="spool drained after restart")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nstill there: {spool_files(spool)[:10]}\n{bridge.logs()[-4000:]}") from None
        series = scrape(gateway.url)
        missing = [i for i in range(400) if value(series, "stream_value", job="stream", n=str(i)) != float(i)]
        assert missing == [], f"{len(missing)} lost ({left} were left at the kill)"
    finally:
        bridge.close()


def test_own_metrics_on_metrics_listen(gateway: Restartable, spool: Path) -> None:
    from tests.support.servers import free_port

    port = free_port()
    bridge = watch(spool, gateway.url, "--metrics-listen", f"127.0.0.1:{port}")
    try:
        drop_file(spool, "counted@i=a.prom", "counted 1\n")
        drop_file(spool, "broken.prom", "x{ 1\n")
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: value(scrape(url), "pgw_bridge_spool_files_pushed_total", method="PUT") == 1.0)
        series = scrape(url)
        assert value(series, "pgw_bridge_spool_files_failed_total", reason="parse_error") == 1.0
        assert value(series, "pgw_bridge_spool_files_pending") == 0.0
        assert value(series, "pgw_bridge_spool_oldest_pending_age_seconds") == 0.0
        assert value(series, "pgw_bridge_spool_last_push_timestamp_seconds", group="/metrics/job/counted/i/a")
        assert value(series, "process_start_time_seconds") is not None
    finally:
        bridge.close()


def test_mirror_mode_never_repushes_unchanged_content(gateway: Restartable, spool: Path) -> None:
    bridge = watch(spool, gateway.url, "--mode", "mirror")
    try:
        drop_file(spool, "node@host=a.prom", "temperature 20\n")
        wait_for(lambda: value(scrape(gateway.url), "temperature", job="node") == 20.0)
        pushed_at = value(scrape(gateway.url), "push_time_seconds", job="node")
        time.sleep(0.05)
        for _ in range(3):
            drop_file(spool, "node@host=a.prom", "temperature 20\n")
            time.sleep(0.1)
        bridge.stop()
        bridge.close()
        bridge = watch(spool, gateway.url, "--mode", "mirror")  # a restart re-reads the state file
        time.sleep(0.5)
        assert value(scrape(gateway.url), "push_time_seconds", job="node") == pushed_at
        assert (spool / "node@host=a.prom").exists()
        (spool / "node@host=a.prom").unlink()
        wait_for(lambda: value(scrape(gateway.url), "push_time_seconds", job="node") is None)
    finally:
        bridge.close()
