"""The bridge end to end in one process: real watchdog observers on tmp_path feeding the real embedded gateway."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest

from bridge.gateway.service import Gateway
from bridge.protocol.methods import Method
from bridge.push.inprocess import GatewayPusher
from bridge.push.pusher import PushRequest
from bridge.spool.metrics import FAILED, LAST_PUSH, OLDEST, PENDING, PUSHED, RETRIES
from bridge.spool.runner import SpoolBridge
from tests.support.spool_env import (
    Recorder,
    drop_file,
    local_series,
    options,
    running,
    series_of,
    spool_files,
    until,
    value,
    variants,
)


def make(tmp_path: Path, gateway: Gateway | None = None, **kw: Any) -> tuple[SpoolBridge, Recorder, Gateway]:
    gateway = gateway or Gateway()
    recorder = Recorder(GatewayPusher(gateway))
    bridge = SpoolBridge(options(tmp_path, **kw), recorder)
    bridge.prepare()
    return bridge, recorder, gateway


def own(bridge: SpoolBridge) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return series_of({f.name: f for f in bridge.metrics.families()})


@pytest.mark.parametrize("observer", ["inotify", "polling"])
async def test_rename_drop_is_pushed_then_removed(tmp_path: Path, observer: str) -> None:
    bridge, _, gateway = make(tmp_path, polling=observer == "polling")
    async with running(bridge):
        drop_file(tmp_path, "backup@instance=db1.prom", "# TYPE backup_ok gauge\nbackup_ok 1\n")
        await until(lambda: value(local_series(gateway), "backup_ok", job="backup", instance="db1") == 1.0)
        await until(lambda: spool_files(tmp_path) == [])
    assert os.listdir(tmp_path / "failed") == []


async def test_files_the_watcher_missed_are_found_by_the_rescan(tmp_path: Path) -> None:
    # A polling observer that never gets round to polling stands in for lost events
    # (inotify queue overflow, a network filesystem that reports nothing).
    bridge, recorder, gateway = make(
        tmp_path, polling=True, poll_interval=3600.0, rescan_interval=0.2, quiet_period=0.1
    )
    async with running(bridge):
        drop_file(tmp_path, "missed.prom", "missed 1\n")
        with (tmp_path / "add" / "missed.prom").open("w") as handle:
            handle.write("late 1\n")
        await until(lambda: value(local_series(gateway), "late", job="missed") == 1.0)
        await asyncio.sleep(0.5)
    assert [r.method for r in recorder.delivered] == [Method.PUT, Method.POST]
    assert spool_files(tmp_path) == []


async def test_in_place_write_is_pushed_once_complete(tmp_path: Path) -> None:
    bridge, recorder, gateway = make(tmp_path)
    async with running(bridge):
        with (tmp_path / "inplace.prom").open("wb") as handle:
            handle.write(b"first 1\n")
            handle.flush()
            await asyncio.sleep(0.1)
            handle.write(b"second 2\n")
        await until(lambda: value(local_series(gateway), "second", job="inplace") == 2.0)
    assert [r.body for r in recorder.delivered] == [b"first 1\nsecond 2\n"]


async def test_hundreds_of_files_at_once(tmp_path: Path) -> None:
    bridge, _, gateway = make(tmp_path)
    async with running(bridge):
        for i in range(300):
            drop_file(tmp_path, f"burst@n={i}.prom", f"burst_value {i}\n")
        await until(lambda: spool_files(tmp_path) == [], timeout=30)
        series = local_series(gateway)
    assert all(value(series, "burst_value", job="burst", n=str(i)) == float(i) for i in range(300))
    assert own(bridge)[(PUSHED, (("method", "PUT"),))] == 300.0


async def test_files_already_there_are_pushed_oldest_first(tmp_path: Path) -> None:
    names = variants("seq", 6)
    base = time.time_ns() - 60_000_000_000
    (tmp_path / "add").mkdir()
    for i, name in reversed(list(enumerate(names))):
        drop_file(tmp_path / "add" if i % 2 else tmp_path, name, f"step {i}\nseen_{i} 1\n", mtime_ns=base + i * 1000)
    bridge, recorder, gateway = make(tmp_path)
    async with running(bridge):
        await until(lambda: len(recorder.delivered) == 6)
    assert [r.body.split(b"\n")[0] for r in recorder.delivered] == [f"step {i}".encode() for i in range(6)]
    assert [r.method for r in recorder.delivered] == [Method.PUT, Method.POST] * 3
    series = local_series(gateway)
    # The last PUT (step 4) wiped steps 0-3; the POST of step 5 added to it.
    assert value(series, "step", job="seq") == 5.0
    assert {n for (n, _), _v in series.items() if n.startswith("seen_")} == {"seen_4", "seen_5"}


async def test_add_and_delete_directories(tmp_path: Path) -> None:
    bridge, _, gateway = make(tmp_path)
    async with running(bridge):
        drop_file(tmp_path, "job@i=1.prom", "a 1\nb 1\n")
        await until(lambda: value(local_series(gateway), "b", job="job", i="1") == 1.0)
        drop_file(tmp_path / "add", "job@i=1.prom", "b 2\nc 2\n")
        await until(lambda: value(local_series(gateway), "c", job="job", i="1") == 2.0)
        series = local_series(gateway)
        assert (value(series, "a", job="job"), value(series, "b", job="job")) == (1.0, 2.0)
        drop_file(tmp_path / "delete", "job@i=1.prom", "content is ignored")
        await until(lambda: value(local_series(gateway), "a", job="job") is None)
        await until(lambda: spool_files(tmp_path) == [])


async def test_percent_encoded_names_and_empty_values(tmp_path: Path) -> None:
    bridge, _, gateway = make(tmp_path)
    async with running(bridge):
        drop_file(tmp_path, "a%2Fb%40c@path=%2Fvar%2Flib@empty=.prom", "enc 1\n")
        await until(lambda: value(local_series(gateway), "enc", job="a/b@c", path="/var/lib", empty="") == 1.0)


async def test_bad_files_are_quarantined_with_the_reason(tmp_path: Path) -> None:
    bridge, _, gateway = make(tmp_path)
    async with running(bridge):
        drop_file(tmp_path, "parse.prom", "good 1\nbad{ 2\n")
        drop_file(tmp_path, "bad@name.prom", "ok 1\n")
        drop_file(tmp_path, "stamped.prom", "ts_metric 1 1700000000000\n")
        drop_file(tmp_path, "fine.prom", "fine 1\n")
        failed = tmp_path / "failed"
        await until(lambda: len(os.listdir(failed)) == 6 and spool_files(tmp_path) == [])
        assert value(local_series(gateway), "fine", job="fine") == 1.0
    parse_error = (failed / "parse.prom.error").read_text()
    assert "status: invalid (not sent)" in parse_error
    assert "text format parsing error in line 2" in parse_error
    assert (failed / "parse.prom").read_text() == "good 1\nbad{ 2\n"
    assert "has no '='" in (failed / "bad@name.prom.error").read_text()
    stamped = (failed / "stamped.prom.error").read_text()
    assert "status: 400" in stamped and "pushed metrics must not have timestamps" in stamped
    assert "time: " in stamped and "group: /metrics/job/stamped" in stamped
    reasons = {labels: v for (name, labels), v in own(bridge).items() if name == FAILED}
    assert reasons == {
        (("reason", "invalid_name"),): 1.0,
        (("reason", "parse_error"),): 1.0,
        (("reason", "rejected"),): 1.0,
    }


async def test_gateway_down_keeps_files_and_delivers_in_order_later(tmp_path: Path) -> None:
    bridge, recorder, gateway = make(tmp_path)
    recorder.down = True
    names = variants("ordered", 8)
    async with running(bridge):
        for i, name in enumerate(names):
            drop_file(tmp_path / "add", name, f"last_step {i}\nseen_{i} 1\n")
            drop_file(tmp_path, f"other@n={i}.prom", f"other {i}\n")
        await until(lambda: recorder.attempts >= 5)
        await asyncio.sleep(0.3)
        assert len(spool_files(tmp_path)) == 16
        assert recorder.delivered == []
        stats = own(bridge)
        assert stats[(PENDING, ())] == 16.0 and stats[(RETRIES, ())] >= 1 and stats[(OLDEST, ())] >= 0.3
        recorder.down = False
        await until(lambda: spool_files(tmp_path) == [], timeout=20)
    ordered = [r for r in recorder.delivered if dict(r.key)["job"] == "ordered"]
    assert [r.body.split(b"\n")[0] for r in ordered] == [f"last_step {i}".encode() for i in range(8)]
    series = local_series(gateway)
    assert value(series, "last_step", job="ordered") == 7.0
    assert all(value(series, f"seen_{i}", job="ordered") == 1.0 for i in range(8))
    assert own(bridge)[(PENDING, ())] == 0.0


async def test_consecutive_puts_to_one_name_coalesce_to_the_newest(tmp_path: Path) -> None:
    bridge, recorder, gateway = make(tmp_path)
    recorder.down = True
    async with running(bridge):
        for i in range(5):
            drop_file(tmp_path, "coalesce.prom", f"version {i}\n")
        await until(lambda: recorder.attempts >= 1)
        recorder.down = False
        await until(lambda: spool_files(tmp_path) == [])
    assert [r.body for r in recorder.delivered] == [b"version 4\n"]
    assert value(local_series(gateway), "version", job="coalesce") == 4.0


class Stuck:
    """A gateway that accepts the connection and never answers."""

    target = "stuck"

    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def push(self, request: PushRequest) -> Any:
        self.started.set()
        await asyncio.Event().wait()

    async def aclose(self) -> None:
        pass


async def test_graceful_stop_leaves_the_in_flight_file_for_the_next_run(tmp_path: Path) -> None:
    stuck = Stuck()
    bridge = SpoolBridge(options(tmp_path, grace=0.2), stuck)
    async with running(bridge):
        drop_file(tmp_path, "inflight.prom", "inflight 1\n")
        await asyncio.wait_for(stuck.started.wait(), 5)
    assert spool_files(tmp_path) == ["inflight.prom"]
    bridge, _, gateway = make(tmp_path)
    async with running(bridge):
        await until(lambda: value(local_series(gateway), "inflight", job="inflight") == 1.0)
        await until(lambda: spool_files(tmp_path) == [])


async def test_stopping_while_the_gateway_is_down_does_not_wait_for_the_backoff(tmp_path: Path) -> None:
    from bridge.push.retry import BackoffPolicy

    bridge, recorder, _ = make(tmp_path, grace=10.0, backoff=BackoffPolicy(initial=20.0, maximum=20.0))
    recorder.down = True
    task = asyncio.create_task(bridge.run())
    for i in range(6):
        drop_file(tmp_path, f"waiting@n={i}.prom", "w 1\n")
    await until(lambda: recorder.attempts >= 1)
    await asyncio.sleep(0.1)
    began = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - began < 2.0
    assert len(spool_files(tmp_path)) == 6


async def test_keep_done_archives_delivered_files(tmp_path: Path) -> None:
    bridge, _, _ = make(tmp_path, keep_done=True)
    async with running(bridge):
        drop_file(tmp_path, "kept.prom", "kept 1\n")
        await until((tmp_path / "done" / "kept.prom").exists)
    assert (tmp_path / "done" / "kept.prom").read_text() == "kept 1\n"
    assert spool_files(tmp_path) == []


async def test_own_metrics_on_the_gateways_metrics(tmp_path: Path) -> None:
    gateway = Gateway()
    bridge, _, _ = make(tmp_path, gateway=gateway)
    from bridge.spool.metrics import KNOWN

    gateway.own.add_collector(bridge.metrics.families, KNOWN)
    async with running(bridge):
        drop_file(tmp_path, "seen@i=x.prom", "seen 1\n")
        await until(lambda: value(local_series(gateway), PUSHED, method="PUT") == 1.0)
    series = local_series(gateway)
    assert value(series, LAST_PUSH, group="/metrics/job/seen/i/x") == pytest.approx(time.time(), abs=30)
    assert value(series, PENDING) == 0.0


class Gated(Recorder):
    """Holds the first push until released, so a test can act while it is in flight."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def push(self, request: PushRequest) -> Any:
        if not self.entered.is_set():
            self.entered.set()
            await self.release.wait()
        return await super().push(request)


async def test_a_file_replaced_during_its_push_is_not_lost(tmp_path: Path) -> None:
    gateway = Gateway()
    gated = Gated(GatewayPusher(gateway))
    bridge = SpoolBridge(options(tmp_path), gated)
    async with running(bridge):
        drop_file(tmp_path, "race.prom", "version 1\n")
        await asyncio.wait_for(gated.entered.wait(), 5)
        drop_file(tmp_path, "race.prom", "version 2\n")
        await asyncio.sleep(0.1)
        gated.release.set()
        await until(lambda: value(local_series(gateway), "version", job="race") == 2.0)
        await until(lambda: spool_files(tmp_path) == [])
    assert [r.body for r in gated.delivered] == [b"version 1\n", b"version 2\n"]


async def test_files_a_killed_bridge_left_parked_are_pushed_at_start_up(tmp_path: Path) -> None:
    from bridge.spool.files import parking_path

    for sub in ("", "add"):
        (tmp_path / sub).mkdir(exist_ok=True)
    # 2**22 is the largest pid_max Linux allows, so this pid never belongs to a live process.
    parking_path(tmp_path / "parked@n=1.prom", 2**22 + 7).write_bytes(b"parked 1\n")
    parking_path(tmp_path / "add" / "parked@n=2.prom", 2**22 + 7).write_bytes(b"parked_add 2\n")
    stale_temp = tmp_path / f".half-written.prom.tmp.{2**22 + 7}"
    stale_temp.write_bytes(b"half")
    os.utime(stale_temp, (time.time() - 7200, time.time() - 7200))
    bridge, _, gateway = make(tmp_path)
    assert not stale_temp.exists(), "a killed writer's temp file is swept at start-up"
    async with running(bridge):
        await until(lambda: value(local_series(gateway), "parked", job="parked", n="1") == 1.0)
        await until(lambda: value(local_series(gateway), "parked_add", job="parked", n="2") == 2.0)
        await until(lambda: spool_files(tmp_path) == [])
