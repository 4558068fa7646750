"""Mirror mode: files are state; push on change only (digest state file), delete the group on removal."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from bridge.errors import SpoolError
from bridge.gateway.service import Gateway
from bridge.push.inprocess import GatewayPusher
from bridge.spool.metrics import UNCHANGED
from bridge.spool.mirror import DEFAULT_STATE_NAME, MirrorState, Record, digest
from bridge.spool.options import Mode
from bridge.spool.runner import SpoolBridge
from tests.support.spool_env import Recorder, drop_file, local_series, options, running, series_of, until, value


def mirror(tmp_path: Path, gateway: Gateway, **kw: object) -> tuple[SpoolBridge, Recorder]:
    recorder = Recorder(GatewayPusher(gateway))
    bridge = SpoolBridge(options(tmp_path, mode=Mode.MIRROR, **kw), recorder, target="test-gateway")
    bridge.prepare()
    return bridge, recorder


def push_time(gateway: Gateway, job: str) -> float | None:
    return value(local_series(gateway), "push_time_seconds", job=job)


async def test_push_on_change_only_and_files_stay(tmp_path: Path) -> None:
    gateway = Gateway()
    bridge, recorder = mirror(tmp_path, gateway)
    async with running(bridge):
        drop_file(tmp_path, "node@host=a.prom", "temp 1\n")
        await until(lambda: value(local_series(gateway), "temp", job="node", host="a") == 1.0)
        first = push_time(gateway, "node")
        await asyncio.sleep(0.05)
        for i in range(3):  # rewritten with the same content, as a textfile cron does every minute
            drop_file(tmp_path, "node@host=a.prom", "temp 1\n")

            def unchanged(times: int = i + 1) -> bool:
                return own_unchanged(bridge) >= times

            await until(unchanged)
        assert push_time(gateway, "node") == first
        drop_file(tmp_path, "node@host=a.prom", "temp 2\n")
        await until(lambda: value(local_series(gateway), "temp", job="node", host="a") == 2.0)
    assert (tmp_path / "node@host=a.prom").read_text() == "temp 2\n"
    assert [r.body for r in recorder.delivered] == [b"temp 1\n", b"temp 2\n"]
    state = json.loads((tmp_path / DEFAULT_STATE_NAME).read_text())
    assert state["target"] == "test-gateway"
    assert state["files"]["node@host=a.prom"] == {"digest": digest(b"temp 2\n"), "status": "pushed"}


def own_unchanged(bridge: SpoolBridge) -> float:
    return series_of({f.name: f for f in bridge.metrics.families()})[(UNCHANGED, ())]


async def test_removing_the_file_deletes_the_group(tmp_path: Path) -> None:
    gateway = Gateway()
    bridge, _ = mirror(tmp_path, gateway)
    async with running(bridge):
        target = drop_file(tmp_path, "gone.prom", "x 1\n")
        await until(lambda: value(local_series(gateway), "x", job="gone") == 1.0)
        target.unlink()
        await until(lambda: push_time(gateway, "gone") is None)
    assert json.loads((tmp_path / DEFAULT_STATE_NAME).read_text())["files"] == {}


async def test_restart_pushes_only_what_changed_and_deletes_what_vanished(tmp_path: Path) -> None:
    gateway = Gateway()
    bridge, _ = mirror(tmp_path, gateway)
    async with running(bridge):
        for name in ("same", "changed", "removed"):
            drop_file(tmp_path, f"{name}.prom", f"{name}_v 1\n")
        await until(lambda: all(push_time(gateway, n) for n in ("same", "changed", "removed")))
    same_time = push_time(gateway, "same")
    # While the bridge is down: one file changes, one goes away, one is new.
    drop_file(tmp_path, "changed.prom", "changed_v 2\n")
    os.unlink(tmp_path / "removed.prom")
    drop_file(tmp_path, "new.prom", "new_v 1\n")
    bridge, recorder = mirror(tmp_path, gateway)
    async with running(bridge):
        await until(lambda: value(local_series(gateway), "changed_v", job="changed") == 2.0)
        await until(lambda: push_time(gateway, "removed") is None and push_time(gateway, "new") is not None)
        await asyncio.sleep(0.2)
    assert push_time(gateway, "same") == same_time
    assert sorted(dict(r.key)["job"] for r in recorder.delivered) == ["changed", "new", "removed"]


async def test_a_refused_file_is_reported_and_not_retried_until_it_changes(tmp_path: Path) -> None:
    gateway = Gateway()
    bridge, recorder = mirror(tmp_path, gateway)
    async with running(bridge):
        drop_file(tmp_path, "bad.prom", "ok 1\nbroken{ 1\n")
        await until((tmp_path / "failed" / "bad.prom.error").exists)
        assert "line 2" in (tmp_path / "failed" / "bad.prom.error").read_text()
        assert (tmp_path / "bad.prom").exists()
        attempts = recorder.attempts
        drop_file(tmp_path, "bad.prom", "ok 1\nbroken{ 1\n")
        await asyncio.sleep(0.3)
        assert recorder.attempts == attempts
        drop_file(tmp_path, "bad.prom", "ok 1\n")
        await until(lambda: value(local_series(gateway), "ok", job="bad") == 1.0)


async def test_mirror_ignores_add_and_delete(tmp_path: Path) -> None:
    gateway = Gateway()
    bridge, recorder = mirror(tmp_path, gateway)
    async with running(bridge):
        (tmp_path / "add").mkdir()
        drop_file(tmp_path / "add", "x.prom", "x 1\n")
        drop_file(tmp_path, "y.prom", "y 1\n")
        await until(lambda: recorder.delivered)
        await asyncio.sleep(0.2)
    assert [dict(r.key)["job"] for r in recorder.delivered] == ["y"]
    assert (tmp_path / "add" / "x.prom").exists()


def test_state_for_another_gateway_is_ignored_and_a_foreign_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = MirrorState(path, "http://a")
    state.set("x.prom", Record("sha256:00", "pushed"))
    again = MirrorState(path, "http://a")
    again.load()
    assert again.records == {"x.prom": Record("sha256:00", "pushed")}
    other = MirrorState(path, "http://b")
    other.load()
    assert other.records == {}
    path.write_text("not json")
    with pytest.raises(SpoolError, match="unusable"):
        MirrorState(path, "http://a").load()
