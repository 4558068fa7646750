"""The spool directory's layout: which subdirectories hold which method, and the start-up scan."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from bridge.errors import SpoolError
from bridge.protocol.grouping import GroupKey
from bridge.protocol.methods import Method
from bridge.spool import files, naming

log = logging.getLogger("bridge.spool")


@dataclass(frozen=True, slots=True)
class Found:
    """A spool file seen by the start-up scan."""

    path: Path
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class SpoolLayout:
    """`SPOOL/*.prom` PUT, `SPOOL/add/*.prom` POST, `SPOOL/delete/*.prom` DELETE; `failed/`, `done/` beside.

    Attributes:
        root: the spool directory.
        methods: the methods whose directories are watched (mirror mode watches the spool itself only).
        utf8_names: file names may carry UTF-8 label names (`naming.parse_name`).

    """

    root: Path
    methods: tuple[Method, ...] = (Method.PUT, Method.POST, Method.DELETE)
    utf8_names: bool = False

    @property
    def failed(self) -> Path:
        """Quarantine for definitively rejected files and their `.error` reports."""
        return self.root / naming.FAILED_DIR

    @property
    def done(self) -> Path:
        """Archive of delivered files (`--keep-done`)."""
        return self.root / naming.DONE_DIR

    def directory(self, method: Method) -> Path:
        """Return the directory whose files ask for `method`."""
        relative = naming.METHOD_DIRS[method]
        return self.root / relative if relative else self.root

    def watched(self) -> list[Path]:
        """Every directory the watcher observes (never recursively)."""
        return [self.directory(method) for method in self.methods]

    def prepare(self) -> None:
        """Check the spool exists and create the watched subdirectories and `failed/`.

        Raises:
            SpoolError: the spool is missing or is not a directory.

        """
        if not self.root.is_dir():
            raise SpoolError(f"spool directory {str(self.root)!r} does not exist or is not a directory")
        try:
            for directory in [*self.watched(), self.failed]:
                directory.mkdir(exist_ok=True)
        except OSError as exc:
            raise SpoolError(f"cannot prepare spool directory {str(self.root)!r}: {exc}") from None

    def recover(self) -> tuple[list[Path], list[Path]]:
        """Re-queue files a bridge killed mid-retire left parked (hidden); remove temp files of killed writers.

        Returns:
            The files re-queued, and the stale temp files removed.

        Raises:
            SpoolError: a parked file cannot be moved back.

        """
        requeued: list[Path] = []
        swept: list[Path] = []
        for directory in self.watched():
            try:
                requeued += [directory / name for name in files.recover_parked(directory)]
            except OSError as exc:
                raise SpoolError(f"cannot recover parked files in {str(directory)!r}: {exc}") from None
        for directory in [*self.watched(), self.failed]:
            try:
                swept += [directory / name for name in files.sweep_stale_temps(directory)]
            except OSError as exc:
                log.warning("cannot sweep stale temp files", extra={"kv": {"dir": str(directory), "err": str(exc)}})
        return requeued, swept

    def method_of(self, path: Path) -> Method | None:
        """Return the method a path asks for, or None if it is not a watched spool file (hidden, temp, elsewhere)."""
        if not naming.is_candidate(path.name):
            return None
        for method in self.methods:
            if path.parent == self.directory(method):
                return method
        return None

    def classify(self, path: Path) -> tuple[Method, GroupKey] | None:
        """Return the method and grouping key of a spool file; None if the bridge does not read this path.

        Raises:
            SpoolError: a `.prom` file in a watched directory whose name breaks the naming rule.

        """
        method = self.method_of(path)
        if method is None:
            return None
        return method, naming.parse_key(path.name, utf8=self.utf8_names)

    def scan(self) -> list[Path]:
        """Every spool file present now, oldest first (modification time, then name)."""
        found: list[Found] = []
        for directory in self.watched():
            try:
                entries = list(os.scandir(directory))
            except FileNotFoundError:
                continue
            for entry in entries:
                if not naming.is_candidate(entry.name):
                    continue
                try:
                    if not entry.is_file():
                        continue
                    found.append(Found(Path(entry.path), entry.stat().st_mtime_ns))
                except FileNotFoundError:
                    continue
        found.sort(key=lambda f: (f.mtime_ns, f.path.name, str(f.path)))
        return [f.path for f in found]
