"""`pgw-bridge serve --spool DIR`: the embedded gateway fed by the spool in one process, as users run it."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.servers import REPO, BridgeProcess
from tests.support.spool_env import drop_file, scrape, spool_files, value, variants, wait_for

pytestmark = pytest.mark.usefixtures("no_thread_leaks")


def serve(spool: Path, *extra: str, port: int | None = None) -> BridgeProcess:
    return BridgeProcess(["--spool", str(spool), "--quiet-period", "300ms", *extra], port=port)


def test_drops_are_visible_on_metrics_with_the_bridges_own_metrics(tmp_path: Path) -> None:
    server = serve(tmp_path)
    try:
        drop_file(tmp_path, "backup@instance=db%2F1.prom", "# TYPE backup_ok gauge\nbackup_ok 1\n")
        drop_file(tmp_path, "broken.prom", "ok 1\nbroken{\n")
        wait_for(lambda: value(scrape(server.url), "backup_ok", job="backup", instance="db/1") == 1.0)
        wait_for((tmp_path / "failed" / "broken.prom.error").exists)
        series = scrape(server.url)
        assert value(series, "pgw_bridge_spool_files_pushed_total", method="PUT") == 1.0
        assert value(series, "pgw_bridge_spool_files_failed_total", reason="parse_error") == 1.0
        assert value(series, "pgw_bridge_spool_files_pending") == 0.0
        assert value(series, "pushgateway_build_info") == 1.0
        assert "line 2" in (tmp_path / "failed" / "broken.prom.error").read_text()
    finally:
        assert server.stop() == 0, server.stderr_path.read_text()


def test_files_dropped_while_down_are_delivered_at_start_in_order(tmp_path: Path) -> None:
    (tmp_path / "add").mkdir()
    base = 1_700_000_000_000_000_000
    for i, name in enumerate(variants("queued", 6)):
        drop_file(tmp_path / "add", name, f"queued_step {i}\nseen_{i} 1\n", mtime_ns=base + i * 1_000_000)
    for i in range(300):
        drop_file(tmp_path, f"bulk@n={i}.prom", f"bulk {i}\n")
    server = serve(tmp_path)
    try:
        wait_for(lambda: spool_files(tmp_path) == [], timeout=30)
        series = scrape(server.url)
        assert value(series, "queued_step", job="queued") == 5.0
        assert all(value(series, f"seen_{i}", job="queued") == 1.0 for i in range(6))
        assert all(value(series, "bulk", job="bulk", n=str(i)) == float(i) for i in range(300))
    finally:
        server.stop()


def test_a_missing_spool_is_refused_before_serving(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bridge", "serve", "--web.listen-address=127.0.0.1:0", "--spool", str(tmp_path / "no")],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_sigterm_stops_cleanly_and_the_spool_env_var_works(tmp_path: Path) -> None:
    server = BridgeProcess(["--quiet-period", "300ms"], env={"PGW_BRIDGE_SPOOL": str(tmp_path)})
    drop_file(tmp_path, "env.prom", "env_ok 1\n")
    wait_for(lambda: value(scrape(server.url), "env_ok", job="env") == 1.0)
    assert server.stop(signal.SIGTERM) == 0
    assert "watching spool" in server.stderr_path.read_text()


def test_serve_without_a_spool_is_the_plain_gateway() -> None:
    server = BridgeProcess([])
    try:
        series = scrape(server.url)
        assert value(series, "pushgateway_build_info") == 1.0
        assert not [name for name, _ in series if name.startswith("pgw_bridge_spool_")]
    finally:
        assert server.stop() == 0
    assert "watching spool" not in server.stderr_path.read_text()
