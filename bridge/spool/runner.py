"""Composes a running bridge: layout, mode (consume or mirror), pipeline and watcher, with the start-up scan."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from bridge.errors import SpoolError
from bridge.protocol.methods import Method
from bridge.push.pusher import Pusher
from bridge.spool.consume import ConsumeDisposition
from bridge.spool.disposition import Disposition
from bridge.spool.files import FileIdentity, stat_identity
from bridge.spool.layout import SpoolLayout
from bridge.spool.metrics import BridgeMetrics
from bridge.spool.mirror import DEFAULT_STATE_NAME, MirrorDisposition, MirrorState
from bridge.spool.naming import parse_key
from bridge.spool.options import Mode, SpoolOptions
from bridge.spool.pipeline import Pipeline
from bridge.spool.watcher import SpoolWatcher

log = logging.getLogger("bridge.spool")


class SpoolBridge:
    """A spool directory feeding one pusher, until cancelled.

    Args:
        options: how to read the spool.
        pusher: where the pushes go (the caller closes it).
        metrics: counters to update (exposed by the caller).
        target: what the mirror state is tied to; defaults to the pusher's target.

    """

    def __init__(
        self, options: SpoolOptions, pusher: Pusher, *, metrics: BridgeMetrics | None = None, target: str | None = None
    ) -> None:
        self.options = options
        self.metrics = metrics or BridgeMetrics()
        mirror = options.mode is Mode.MIRROR
        self.layout = SpoolLayout(
            options.spool,
            (Method.PUT,) if mirror else (Method.PUT, Method.POST, Method.DELETE),
            utf8_names=options.utf8_names,
        )
        self.state: MirrorState | None = None
        disposition: Disposition
        if mirror:
            state_path = None if options.state_in_memory else options.state_file or options.spool / DEFAULT_STATE_NAME
            self.state = MirrorState(state_path, target or pusher.target)
            disposition = MirrorDisposition(self.layout, self.state, self.metrics)
        else:
            disposition = ConsumeDisposition(self.layout, target=pusher.target, keep_done=options.keep_done)
        self.disposition = disposition
        self.pipeline = Pipeline(
            pusher,
            disposition,
            backoff=options.backoff,
            workers=options.workers,
            grace=options.grace,
            metrics=self.metrics,
            utf8_names=options.utf8_names,
        )
        self._prepared = False
        self._offered: dict[Path, FileIdentity] = {}
        self._watcher: SpoolWatcher | None = None

    def prepare(self) -> None:
        """Check the spool, create its subdirectories, load the mirror state (before serving anything).

        Raises:
            SpoolError: the spool or the state file cannot be used.

        """
        self.layout.prepare()
        requeued, swept = self.layout.recover()
        if swept:
            log.info(
                "removed temp files of writers killed mid-write (never acknowledged)",
                extra={"kv": {"n": len(swept), "first": str(swept[0])}},
            )
        if requeued:
            log.warning(
                "re-queued files a stopped bridge left mid-move; they are pushed again",
                extra={"kv": {"n": len(requeued), "first": str(requeued[0])}},
            )
        if self.state is not None:
            self.state.load()
        self._prepared = True

    def arrived(self, path: Path) -> None:
        """Queue a complete file that is in the spool (a bad name is quarantined at once)."""
        try:
            classified = self.layout.classify(path)
        except SpoolError as exc:
            self.pipeline.reject_name(path, exc)
            return
        if classified is None:
            return
        identity = stat_identity(path)
        if identity is None:
            return
        if self.options.rescan_interval > 0:
            self._offered[path] = identity
        self.pipeline.offer(path, classified[0], classified[1], identity)

    def removed(self, path: Path) -> None:
        """Handle a file that left the spool: mirror mode deletes its group (consume mode removed it itself)."""
        if self.state is None or self.layout.method_of(path) is not Method.PUT or path.exists():
            return
        try:
            key = parse_key(path.name, utf8=self.options.utf8_names)
        except SpoolError:
            return
        self.pipeline.offer(path, Method.DELETE, key, None)

    def scan(self) -> int:
        """Queue everything already in the spool, oldest first; in mirror mode also the files removed meanwhile."""
        found = self.layout.scan()
        for path in found:
            self.arrived(path)
        for path in self.disposition.vanished():
            self.removed(path)
        return len(found)

    def rescan(self) -> int:
        """Offer files the watcher missed (inotify queue overflow, network filesystems); the number found.

        Files offered before in the same version, and files still being written (modified within
        the quiet period), are left alone.
        """
        found = 0
        settled_before = time.time() - self.options.quiet_period
        ordered = self.layout.scan()
        present = set(ordered)
        for path in ordered:
            identity = stat_identity(path)
            if identity is None or self._offered.get(path) == identity or identity.mtime_ns / 1e9 > settled_before:
                continue
            if self._watcher is not None and self._watcher.is_settling(path):
                continue
            found += 1
            self.arrived(path)
        for path in [p for p in self._offered if p not in present]:
            del self._offered[path]
        for path in self.disposition.vanished():
            self.removed(path)
        if found:
            log.warning("rescan found files the watcher had not reported", extra={"kv": {"n": found}})
        return found

    async def _rescan_every(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            self.rescan()

    async def run(self) -> None:
        """Watch, scan, and deliver until cancelled; in-flight pushes finish or their files stay."""
        if not self._prepared:
            self.prepare()
        watcher = SpoolWatcher(
            self.layout,
            self,
            asyncio.get_running_loop(),
            polling=self.options.polling,
            poll_interval=self.options.poll_interval,
            quiet_period=self.options.quiet_period,
        )
        watcher.start()
        self._watcher = watcher
        rescans = None
        if self.options.rescan_interval > 0:
            rescans = asyncio.create_task(self._rescan_every(self.options.rescan_interval))
        try:
            count = self.scan()
            log.info(
                "watching spool",
                extra={
                    "kv": {
                        "spool": str(self.layout.root),
                        "mode": self.options.mode.value,
                        "found": count,
                        "observer": watcher.kind,
                    }
                },
            )
            await self.pipeline.run()
        finally:
            if rescans is not None:
                rescans.cancel()
            watcher.stop()
            self._watcher = None
