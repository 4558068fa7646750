"""The embedded spool (`serve --spool`, the demo): pushes land in the in-process gateway; a failure is reported."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from bridge.errors import SpoolError
from bridge.gateway.config import GatewayConfig
from bridge.gateway.runtime import build_app
from bridge.spool.embedded import spool_task
from bridge.spool.metrics import PUSHED
from tests.support.spool_env import drop_file, local_series, options, until, value


async def test_files_reach_the_gateway_and_its_metrics_show_the_bridge(tmp_path: Path) -> None:
    gateway = build_app(GatewayConfig()).gateway
    task = spool_task(options(tmp_path), target="embedded:test")
    running = asyncio.create_task(task(gateway))
    try:
        drop_file(tmp_path, "backup@instance=db.prom", "rows 7\n")
        await until(lambda: value(local_series(gateway), "rows", job="backup", instance="db") == 7.0)
        await until(lambda: value(local_series(gateway), PUSHED, method="PUT") == 1.0)
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
    assert task.failure is None


@pytest.mark.parametrize("stop_gateway", [True, False])
async def test_a_failed_bridge_is_kept_and_stops_the_gateway_only_when_asked(
    tmp_path: Path, stop_gateway: bool
) -> None:
    gateway = build_app(GatewayConfig()).gateway
    spool = tmp_path / "spool"
    spool.mkdir()
    task = spool_task(options(spool, polling=True), target="embedded:test", stop_gateway=stop_gateway)
    shutil.rmtree(spool)  # prepared, then gone: the watcher cannot watch it
    await asyncio.wait_for(task(gateway), 10)
    assert isinstance(task.failure, SpoolError), task.failure
    assert gateway.quit.is_set() is stop_gateway


def test_an_unusable_spool_is_refused_before_anything_runs(tmp_path: Path) -> None:
    with pytest.raises(SpoolError, match="does not exist"):
        spool_task(options(tmp_path / "missing"), target="embedded:test")
