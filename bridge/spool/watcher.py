"""watchdog → the event loop: renames into place and close-writes are ready at once; other writes after a quiet period.

Observer threads only translate events and hand them to the loop (`call_soon_threadsafe`); all
decisions are taken on the loop. Only the spool itself and its `add/` and `delete/`
subdirectories are watched, never recursively.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path
from typing import Protocol

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from bridge.errors import SpoolError
from bridge.spool.files import FileIdentity, stat_identity
from bridge.spool.layout import SpoolLayout

log = logging.getLogger("bridge.spool")


class Sink(Protocol):
    """Receives spool files, on the event loop."""

    def arrived(self, path: Path) -> None:
        """Take a file that is complete and ready to read."""
        ...

    def removed(self, path: Path) -> None:
        """Note a file that went away (deleted, or moved out)."""
        ...


class _Handler(FileSystemEventHandler):
    """Runs in watchdog's thread: filters names and posts (kind, path) to the loop."""

    def __init__(self, watcher: SpoolWatcher) -> None:
        self._watcher = watcher

    def dispatch(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        src = os.fsdecode(event.src_path) if event.src_path else ""
        kind = event.event_type
        if kind == "moved":
            dest = os.fsdecode(event.dest_path) if event.dest_path else ""
            if src:
                self._watcher.post("removed", src)
            if dest:
                self._watcher.post("ready", dest)
        elif kind == "closed":
            self._watcher.post("ready", src)
        elif kind in ("created", "modified"):
            self._watcher.post("touched", src)
        elif kind == "deleted":
            self._watcher.post("removed", src)


def _make_observer(polling: bool, poll_interval: float) -> BaseObserver:
    if not polling:
        try:
            from watchdog.observers.inotify import InotifyObserver
        except ImportError as exc:  # not Linux
            raise OSError(f"inotify unavailable: {exc}") from None
        # Full events: a move from outside the watched directory keeps its dest_path.
        return InotifyObserver(generate_full_events=True)
    return PollingObserver(timeout=poll_interval)


class SpoolWatcher:
    """Watches the spool's directories and tells a `Sink` about complete files and removals.

    Args:
        layout: which directories to watch.
        sink: where complete files go (called on `loop`).
        loop: the event loop the sink lives on.
        polling: use a polling observer (network filesystems) instead of inotify.
        poll_interval: seconds between polls.
        quiet_period: a file written in place (no close-write seen) is ready once unchanged this long.

    """

    def __init__(
        self,
        layout: SpoolLayout,
        sink: Sink,
        loop: asyncio.AbstractEventLoop,
        *,
        polling: bool = False,
        poll_interval: float = 1.0,
        quiet_period: float = 1.0,
    ) -> None:
        self.layout = layout
        self.sink = sink
        self.loop = loop
        self.polling = polling
        self.poll_interval = poll_interval
        self.quiet_period = quiet_period
        self._observer: BaseObserver | None = None
        # The observer actually in use: inotify falls back to polling when it cannot watch.
        self.kind = "polling" if polling else "inotify"
        self._quiet: dict[str, tuple[asyncio.TimerHandle, FileIdentity | None]] = {}

    def start(self) -> None:
        """Start observing (before the start-up scan, so nothing slips between the two).

        Raises:
            SpoolError: no observer could watch the spool.

        """
        try:
            self._observer = self._start(self.polling)
        except OSError as exc:
            if self.polling:
                raise SpoolError(f"cannot watch the spool: {exc}") from None
            log.warning("inotify cannot watch the spool; polling instead", extra={"kv": {"err": str(exc)}})
            try:
                self._observer = self._start(True)
                self.kind = "polling"
            except OSError as again:
                raise SpoolError(f"cannot watch the spool: {again}") from None

    def _start(self, polling: bool) -> BaseObserver:
        observer = _make_observer(polling, self.poll_interval)
        handler = _Handler(self)
        try:
            for directory in self.layout.watched():
                observer.schedule(handler, str(directory), recursive=False)
            observer.start()
        except OSError:
            observer.on_thread_stop()  # joins the emitters and inotify's reader thread it may have started
            raise
        return observer

    def stop(self) -> None:
        """Stop observing and join watchdog's threads; pending quiet-period timers are dropped."""
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join(10)
        for timer, _ in self._quiet.values():
            timer.cancel()
        self._quiet.clear()

    def is_settling(self, path: Path) -> bool:
        """Whether a file is being written in place (its quiet period is still running)."""
        return str(path) in self._quiet

    def post(self, kind: str, raw_path: str) -> None:
        """From watchdog's thread: hand a relevant event to the loop."""
        path = Path(raw_path)
        if self.layout.method_of(path) is None:
            return
        # RuntimeError: the loop is closing; the start-up scan of the next run will see the file.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self._on_event, kind, path)

    def _on_event(self, kind: str, path: Path) -> None:
        if self._observer is None:
            return
        key = str(path)
        if kind == "touched":
            self._arm(path, stat_identity(path))
            return
        pending = self._quiet.pop(key, None)
        if pending is not None:
            pending[0].cancel()
        if kind == "ready":
            self.sink.arrived(path)
        else:
            self.sink.removed(path)

    def _arm(self, path: Path, seen: FileIdentity | None) -> None:
        key = str(path)
        pending = self._quiet.pop(key, None)
        if pending is not None:
            pending[0].cancel()
        timer = self.loop.call_later(self.quiet_period, self._quiet_elapsed, path)
        self._quiet[key] = (timer, seen)

    def _quiet_elapsed(self, path: Path) -> None:
        pending = self._quiet.pop(str(path), None)
        now = stat_identity(path)
        if now is None:
            return
        if pending is not None and pending[1] != now:
            self._arm(path, now)  # still changing (a poll may lag behind the writer): wait once more
            return
        self.sink.arrived(path)
