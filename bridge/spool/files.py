"""File moves that never lose a producer's newer file: snapshot, retire, quarantine, atomic write."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from bridge.logs import utc_timestamp

log = logging.getLogger("bridge.spool")

_PARKED = re.compile(r"^\.(?P<name>.+)\.retired\.(?P<pid>[0-9]+)$")
_TEMP = re.compile(r"^\..+\.tmp\.(?P<pid>[0-9]+)$")
STALE_TEMP_AGE = 3600.0
"""A temp file (`atomic_write`) untouched this long, whose writer is gone, was never finished."""


@dataclass(frozen=True, slots=True)
class FileIdentity:
    """Which version of a path was read: a rename over it, or an in-place rewrite, changes this."""

    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, stat: os.stat_result) -> FileIdentity:
        """Take the identity of a `stat` result."""
        return cls(stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A file's bytes and the identity of the version they came from (None when there is no file)."""

    body: bytes
    identity: FileIdentity | None


def read_snapshot(path: Path) -> Snapshot | None:
    """Read a file and note its identity; None if it no longer exists.

    Raises:
        OSError: the file exists but cannot be read.

    """
    try:
        with path.open("rb") as handle:
            body = handle.read()
            identity = FileIdentity.of(os.fstat(handle.fileno()))
    except FileNotFoundError:
        return None
    return Snapshot(body, identity)


def stat_identity(path: Path) -> FileIdentity | None:
    """Return the identity of the file at `path` now, or None if there is none."""
    try:
        return FileIdentity.of(path.stat())
    except FileNotFoundError:
        return None


def parking_path(path: Path, pid: int | None = None) -> Path:
    """Return the hidden name a file is moved to while it is retired (the bridge's pid in it)."""
    return path.with_name(f".{path.name}.retired.{os.getpid() if pid is None else pid}")


def retire(path: Path, identity: FileIdentity, archive: Path | None) -> bool:
    """Remove (or move to `archive`) the version of `path` that was read, and nothing newer.

    The file is first renamed to a hidden parking name atomically; if what was renamed is not the
    version read (the producer replaced it meanwhile), it is linked back unless an even newer file
    took the name. A bridge killed mid-way leaves the parked file for `recover_parked`.

    Args:
        path: the spool file.
        identity: the version that was pushed.
        archive: where to keep it (`done/NAME`, `failed/NAME`), or None to delete it.

    Returns:
        True if the version read was retired; False if the path now holds a newer file (left in place).

    Raises:
        OSError: the file could not be moved.

    """
    parking = parking_path(path)
    try:
        os.replace(path, parking)
    except FileNotFoundError:
        return False
    moved = FileIdentity.of(parking.stat())
    if moved == identity:
        if archive is None:
            parking.unlink()
        else:
            os.replace(parking, archive)
        return True
    with contextlib.suppress(FileExistsError):
        os.link(parking, path)
    parking.unlink()
    return False


def _owned_by_another_live_process(pid: int) -> bool:
    if pid == os.getpid():
        return False  # a pid reused after a restart (containers): nothing is parked by this process yet
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OverflowError:
        return False
    return True


def _left_by_gone_processes(directory: Path, pattern: re.Pattern[str]) -> list[tuple[str, re.Match[str]]]:
    """Names in `directory` matching `pattern` (a `pid` group) whose process is gone, sorted; none if no directory.

    Raises:
        OSError: the directory cannot be read.

    """
    try:
        names = sorted(os.listdir(directory))
    except FileNotFoundError:
        return []
    found = []
    for name in names:
        match = pattern.match(name)
        if match is not None and not _owned_by_another_live_process(int(match["pid"])):
            found.append((name, match))
    return found


def recover_parked(directory: Path) -> list[str]:
    """Put back the files a bridge killed mid-retire left parked in `directory`; return the names re-queued.

    Which version a parked file is (already pushed, or a newer one caught by the move) is not known,
    so it goes back under its name and is pushed again: after a crash, delivery is at least once.
    If a newer file holds the name meanwhile, the parked one is dropped, as consecutive files of one
    name coalesce. Files parked by another live process (a second bridge) are left alone.

    Raises:
        OSError: the directory cannot be read, or a file cannot be moved.

    """
    requeued: list[str] = []
    for name, match in _left_by_gone_processes(directory, _PARKED):
        parked = directory / name
        original = directory / match["name"]
        try:
            os.link(parked, original)
        except FileExistsError:
            log.info(
                "dropped a parked spool file: a newer file of the same name supersedes it",
                extra={"kv": {"file": str(parked)}},
            )
        except FileNotFoundError:
            continue
        else:
            requeued.append(match["name"])
        with contextlib.suppress(FileNotFoundError):
            parked.unlink()
    return requeued


def sweep_stale_temps(directory: Path, *, older_than: float = STALE_TEMP_AGE, now: float | None = None) -> list[str]:
    """Remove the temp files of writers killed mid-write (`pgw-bridge drop`, `.error` files); return their names.

    Such a file was never renamed into place, so nobody was told it was written: removing it
    loses nothing. Only files whose writer is gone and that are older than `older_than` seconds
    go (a writer in another pid namespace finishes in milliseconds, not an hour).

    Raises:
        OSError: the directory cannot be read.

    """
    now = time.time() if now is None else now
    removed: list[str] = []
    for name, _match in _left_by_gone_processes(directory, _TEMP):
        path = directory / name
        try:
            if now - path.stat().st_mtime < older_than or not path.is_file():
                continue
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(name)
    return removed


def temp_path(path: Path, pid: int | None = None) -> Path:
    """Return the hidden name `atomic_write` writes through (the writer's pid in it; `sweep_stale_temps` knows it)."""
    return path.with_name(f".{path.name}.tmp.{os.getpid() if pid is None else pid}")


def atomic_write(path: Path, body: bytes, *, durable: bool = True) -> None:
    """Write `path` through a hidden temp file in the same directory, then rename it into place.

    Raises:
        OSError: the directory is not writable, or the disk is full.

    """
    temp = temp_path(path)
    try:
        with temp.open("wb") as handle:
            handle.write(body)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    if durable:
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def error_report(*, status: str, message: str, method: str, group: str, target: str, now: float | None = None) -> bytes:
    """Render a `failed/NAME.error` file: one `key: value` per line, the message last."""
    lines = [
        f"status: {status}",
        f"time: {utc_timestamp(time.time() if now is None else now)}",
        f"method: {method}",
        f"group: {group}",
        f"gateway: {target}",
        "message: " + message.replace("\n", "\n  "),
    ]
    return ("\n".join(lines) + "\n").encode("utf-8", "backslashreplace")


def unusable_name_report(message: str, *, target: str, now: float | None = None) -> bytes:
    """Render the `failed/NAME.error` file of a spool file whose name is no grouping key (nothing was sent)."""
    return error_report(
        status="invalid name (not sent)", message=message, method="-", group="-", target=target, now=now
    )
