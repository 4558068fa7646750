"""File moves that must never remove a producer's newer file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bridge.spool.files import (
    atomic_write,
    error_report,
    parking_path,
    read_snapshot,
    recover_parked,
    retire,
    stat_identity,
    sweep_stale_temps,
    temp_path,
)


def replace_atomically(path: Path, body: bytes) -> None:
    temp = path.with_name(f".{path.name}.new")
    temp.write_bytes(body)
    os.rename(temp, path)


def test_retire_removes_the_version_read(tmp_path: Path) -> None:
    path = tmp_path / "job.prom"
    path.write_bytes(b"a 1\n")
    snapshot = read_snapshot(path)
    assert snapshot is not None and snapshot.body == b"a 1\n"
    assert retire(path, snapshot.identity, None) is True  # type: ignore[arg-type]
    assert not path.exists()
    assert os.listdir(tmp_path) == []


def test_retire_keeps_a_file_replaced_after_the_read(tmp_path: Path) -> None:
    path = tmp_path / "job.prom"
    path.write_bytes(b"a 1\n")
    snapshot = read_snapshot(path)
    assert snapshot is not None
    replace_atomically(path, b"a 2\n")
    assert retire(path, snapshot.identity, None) is False  # type: ignore[arg-type]
    assert path.read_bytes() == b"a 2\n"
    assert sorted(os.listdir(tmp_path)) == ["job.prom"]


def test_retire_keeps_a_file_rewritten_in_place(tmp_path: Path) -> None:
    path = tmp_path / "job.prom"
    path.write_bytes(b"a 1\n")
    snapshot = read_snapshot(path)
    assert snapshot is not None
    with path.open("ab") as handle:
        handle.write(b"b 2\n")
    assert retire(path, snapshot.identity, tmp_path / "failed.prom") is False  # type: ignore[arg-type]
    assert path.read_bytes() == b"a 1\nb 2\n"
    assert not (tmp_path / "failed.prom").exists()


def test_retire_into_an_archive(tmp_path: Path) -> None:
    path = tmp_path / "job.prom"
    path.write_bytes(b"a 1\n")
    (tmp_path / "done").mkdir()
    snapshot = read_snapshot(path)
    assert snapshot is not None and snapshot.identity is not None
    assert retire(path, snapshot.identity, tmp_path / "done" / "job.prom")
    assert (tmp_path / "done" / "job.prom").read_bytes() == b"a 1\n"


def test_retire_into_an_archive_leaves_nothing_parked(tmp_path: Path) -> None:
    path = tmp_path / "job.prom"
    path.write_bytes(b"a 1\n")
    (tmp_path / "failed").mkdir()
    snapshot = read_snapshot(path)
    assert snapshot is not None and snapshot.identity is not None
    assert retire(path, snapshot.identity, tmp_path / "failed" / "job.prom")
    assert sorted(os.listdir(tmp_path)) == ["failed"]


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_parked_file_left_by_a_killed_bridge_goes_back_under_its_name(tmp_path: Path) -> None:
    # The bridge was killed between parking the file and removing it: it may or may not have
    # been pushed, so it is queued again (at least once).
    parking_path(tmp_path / "job@n=1.prom", dead_pid()).write_bytes(b"a 1\n")
    assert recover_parked(tmp_path) == ["job@n=1.prom"]
    assert os.listdir(tmp_path) == ["job@n=1.prom"]
    assert (tmp_path / "job@n=1.prom").read_bytes() == b"a 1\n"


def test_a_parked_file_is_dropped_when_a_newer_file_took_its_name(tmp_path: Path) -> None:
    parking_path(tmp_path / "job.prom", dead_pid()).write_bytes(b"a 1\n")
    (tmp_path / "job.prom").write_bytes(b"a 2\n")
    assert recover_parked(tmp_path) == []
    assert os.listdir(tmp_path) == ["job.prom"]
    assert (tmp_path / "job.prom").read_bytes() == b"a 2\n"


def test_recovery_treats_its_own_pid_as_a_previous_run(tmp_path: Path) -> None:
    # In a container the bridge often gets the same pid on every start.
    parking_path(tmp_path / "job.prom").write_bytes(b"a 1\n")
    assert recover_parked(tmp_path) == ["job.prom"]


def test_recovery_leaves_files_parked_by_another_live_process(tmp_path: Path) -> None:
    parked = parking_path(tmp_path / "job.prom", os.getppid())
    parked.write_bytes(b"a 1\n")
    assert recover_parked(tmp_path) == []
    assert os.listdir(tmp_path) == [parked.name]


def test_recovery_ignores_other_hidden_files(tmp_path: Path) -> None:
    for name in (".job.prom.tmp.1", ".job.prom.retired.", ".retired.1", "job.prom.retired.1"):
        (tmp_path / name).write_bytes(b"")
    assert recover_parked(tmp_path) == []
    assert recover_parked(tmp_path / "missing") == []
    assert len(os.listdir(tmp_path)) == 4


def test_stale_temp_files_of_killed_writers_are_swept(tmp_path: Path) -> None:
    dead = dead_pid()
    old = [temp_path(tmp_path / "job.prom", dead).name, f".pgw-bridge-mirror.json.tmp.{os.getpid()}"]
    recent = f".other.prom.tmp.{dead}"  # a writer in another pid namespace may still be at it
    live = f".busy.prom.tmp.{os.getppid()}"
    kept = ["job.prom", ".job.prom.tmp.", "notes.tmp.1", live, recent]
    for name in [*old, *kept]:
        (tmp_path / name).write_bytes(b"x")
    hour_ago = 1_700_000_000.0 - 3601
    for name in [*old, live, "job.prom"]:
        os.utime(tmp_path / name, (hour_ago, hour_ago))
    os.utime(tmp_path / recent, (1_700_000_000.0 - 60, 1_700_000_000.0 - 60))
    assert sweep_stale_temps(tmp_path, now=1_700_000_000.0) == sorted(old)
    assert sorted(os.listdir(tmp_path)) == sorted(kept)
    assert sweep_stale_temps(tmp_path / "missing") == []


def test_vanished_files(tmp_path: Path) -> None:
    assert read_snapshot(tmp_path / "gone.prom") is None
    assert stat_identity(tmp_path / "gone.prom") is None
    path = tmp_path / "x.prom"
    path.write_bytes(b"")
    snapshot = read_snapshot(path)
    assert snapshot is not None and snapshot.identity is not None
    path.unlink()
    assert retire(path, snapshot.identity, None) is False


def test_atomic_write_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "job.prom"
    atomic_write(target, b"x 1\n")
    atomic_write(target, b"x 2\n", durable=False)
    assert target.read_bytes() == b"x 2\n"
    assert os.listdir(tmp_path) == ["job.prom"]


def test_error_report_lists_status_message_and_time() -> None:
    text = error_report(
        status="400", message="line one\nline two", method="PUT", group="/metrics/job/j", target="http://gw", now=0
    ).decode()
    assert text.splitlines() == [
        "status: 400",
        "time: 1970-01-01T00:00:00.000Z",
        "method: PUT",
        "group: /metrics/job/j",
        "gateway: http://gw",
        "message: line one",
        "  line two",
    ]
