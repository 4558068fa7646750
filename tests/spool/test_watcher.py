"""Real watchdog observers (inotify and polling) on tmp_path: what counts as a complete spool file."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bridge.spool.layout import SpoolLayout
from bridge.spool.watcher import SpoolWatcher
from tests.support.spool_env import until


class Sink:
    def __init__(self) -> None:
        self.arrivals: list[tuple[Path, float]] = []
        self.removals: list[Path] = []

    def arrived(self, path: Path) -> None:
        self.arrivals.append((path, time.monotonic()))

    def removed(self, path: Path) -> None:
        self.removals.append(path)

    @property
    def paths(self) -> list[Path]:
        return [p for p, _ in self.arrivals]


@pytest.fixture(params=["inotify", "polling"])
async def watched(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[SpoolLayout, Sink, SpoolWatcher]]:
    layout = SpoolLayout(tmp_path)
    layout.prepare()
    sink = Sink()
    polling = request.param == "polling"
    watcher = SpoolWatcher(
        layout, sink, asyncio.get_running_loop(), polling=polling, poll_interval=0.05, quiet_period=0.3
    )
    watcher.start()
    try:
        yield layout, sink, watcher
    finally:
        watcher.stop()


def rename_into(directory: Path, name: str, body: bytes = b"a 1\n", temp: str | None = None) -> Path:
    staging = directory / (temp or f".{name}.tmp")
    staging.write_bytes(body)
    target = directory / name
    os.rename(staging, target)
    return target


async def test_rename_into_place_is_ready(watched: tuple[SpoolLayout, Sink, SpoolWatcher]) -> None:
    layout, sink, watcher = watched
    started = time.monotonic()
    target = rename_into(layout.root, "job.prom")
    await until(lambda: target in sink.paths)
    if not watcher.polling:
        # A rename is complete at once: no quiet period.
        assert sink.arrivals[0][1] - started < watcher.quiet_period


async def test_the_conventional_temp_names_are_ignored_until_renamed(
    watched: tuple[SpoolLayout, Sink, SpoolWatcher],
) -> None:
    layout, sink, _ = watched
    # textfile-collector README (`.prom.$$`), write_to_textfile (`.prom.<pid>.<tid>`), editors, hidden files.
    for name in ("a.prom.4242", "b.prom.4242.1401", "c.prom~", ".d.prom", "e.txt"):
        (layout.root / name).write_bytes(b"x 1\n")
    target = rename_into(layout.root, "b.prom", temp="b.prom.4242.1402")
    await until(lambda: target in sink.paths)
    await asyncio.sleep(0.5)
    assert set(sink.paths) == {target}


async def test_in_place_write_is_ready_after_close_or_quiet_period(
    watched: tuple[SpoolLayout, Sink, SpoolWatcher],
) -> None:
    layout, sink, watcher = watched
    target = layout.root / "inplace.prom"
    with target.open("wb") as handle:
        handle.write(b"a 1\n")
        handle.flush()
        await asyncio.sleep(watcher.quiet_period * 0.3)
        assert target not in sink.paths
        handle.write(b"b 2\n")
    await until(lambda: target in sink.paths)
    assert target.read_bytes() == b"a 1\nb 2\n"


async def test_a_slow_writer_is_not_read_half_way(watched: tuple[SpoolLayout, Sink, SpoolWatcher]) -> None:
    layout, sink, watcher = watched
    target = layout.root / "slow.prom"
    with target.open("wb") as handle:
        for i in range(6):
            handle.write(f"m{i} {i}\n".encode())
            handle.flush()
            os.fsync(handle.fileno())
            await asyncio.sleep(watcher.quiet_period / 3)
            assert target not in sink.paths
    await until(lambda: target in sink.paths)


async def test_only_add_and_delete_subdirectories_are_watched(watched: tuple[SpoolLayout, Sink, SpoolWatcher]) -> None:
    layout, sink, _ = watched
    for other in ("failed", "done", "other"):
        (layout.root / other).mkdir(exist_ok=True)
        rename_into(layout.root / other, "ignored.prom")
    (layout.root / "add" / "nested").mkdir()
    rename_into(layout.root / "add" / "nested", "ignored.prom")
    added = rename_into(layout.root / "add", "job.prom")
    deleted = rename_into(layout.root / "delete", "job.prom")
    await until(lambda: added in sink.paths and deleted in sink.paths)
    await asyncio.sleep(0.4)
    assert set(sink.paths) == {added, deleted}


async def test_a_move_from_elsewhere_and_between_spool_directories(
    watched: tuple[SpoolLayout, Sink, SpoolWatcher], tmp_path_factory: pytest.TempPathFactory
) -> None:
    layout, sink, _ = watched
    outside = tmp_path_factory.mktemp("outside") / "from-outside.prom"
    outside.write_bytes(b"a 1\n")
    moved_in = layout.root / "from-outside.prom"
    os.rename(outside, moved_in)
    await until(lambda: moved_in in sink.paths)
    into_add = layout.root / "add" / "from-outside.prom"
    os.rename(moved_in, into_add)
    await until(lambda: into_add in sink.paths and moved_in in sink.removals)


async def test_removals_are_reported(watched: tuple[SpoolLayout, Sink, SpoolWatcher]) -> None:
    layout, sink, _ = watched
    target = rename_into(layout.root, "gone.prom")
    await until(lambda: target in sink.paths)
    target.unlink()
    await until(lambda: target in sink.removals)


async def test_stop_joins_every_thread(tmp_path: Path) -> None:
    """Asserts through the autouse thread-leak guard (tests/spool/conftest.py): a thread left running fails it."""
    layout = SpoolLayout(tmp_path)
    layout.prepare()
    for _ in range(3):
        watcher = SpoolWatcher(layout, Sink(), asyncio.get_running_loop())
        watcher.start()
        watcher.stop()
        watcher.stop()
