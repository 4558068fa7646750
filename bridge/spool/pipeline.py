"""The one consumer: read → validate → push → archive, in arrival order per group, retrying what is transient.

Every spool file becomes an `Entry` queued behind the earlier entries of its group. Groups are
served round-robin by a bounded number of concurrent steps; a group whose head failed
transiently waits (capped exponential backoff with jitter) and keeps its order. When the gateway
does not answer at all, every group pauses behind one shared gate instead of hammering it.

Concurrency: everything runs on one event loop; `offer` is synchronous and must be called there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from bridge.errors import ParseError, SpoolError
from bridge.protocol.grouping import GroupKey, readable_path
from bridge.protocol.methods import Method
from bridge.protocol.model import MetricFamily
from bridge.protocol.textparse import parse_text
from bridge.push import outcome
from bridge.push.outcome import Outcome, Verdict
from bridge.push.pusher import Pusher, PushRequest
from bridge.push.retry import BackoffPolicy
from bridge.spool.disposition import Disposition, Entry
from bridge.spool.files import FileIdentity, Snapshot
from bridge.spool.metrics import BridgeMetrics

log = logging.getLogger("bridge.spool")


class Pipeline:
    """Per-group ordered delivery of spool entries through a `Pusher`.

    Args:
        pusher: where pushes go.
        disposition: what to do with files after each outcome.
        backoff: delays between attempts after transient failures.
        workers: how many pushes may be in flight at once (across different groups).
        grace: seconds an in-flight push may take to finish when the pipeline is stopped.
        metrics: counters to update.
        rand: uniform random draws for the backoff jitter (injected in tests).

    """

    def __init__(
        self,
        pusher: Pusher,
        disposition: Disposition,
        *,
        backoff: BackoffPolicy | None = None,
        workers: int = 4,
        grace: float = 10.0,
        metrics: BridgeMetrics | None = None,
        rand: Callable[[], float] = random.random,
        utf8_names: bool = False,
    ) -> None:
        self._pusher = pusher
        self._utf8 = utf8_names
        self._disposition = disposition
        self._backoff = backoff or BackoffPolicy()
        self._workers = max(1, workers)
        self._grace = grace
        self.metrics = metrics or BridgeMetrics()
        self.metrics.attach(self.pending_stats)
        self._rand = rand
        self._groups: dict[GroupKey, deque[Entry]] = {}
        self._latest: dict[Path, Entry] = {}
        self._scheduled: set[GroupKey] = set()
        self._ready: asyncio.Queue[GroupKey] = asyncio.Queue()
        self._failures: dict[GroupKey, int] = {}
        self._timers: dict[GroupKey, asyncio.TimerHandle] = {}
        self._pushing: set[asyncio.Task[None]] = set()
        self._gate_until = 0.0
        self._gate_failures = 0

    # ------------------------------------------------------------------ intake
    def offer(self, path: Path, method: Method, key: GroupKey, identity: FileIdentity | None) -> None:
        """Queue a file behind its group's earlier entries; a newer version of a queued path moves to the tail."""
        previous = self._latest.get(path)
        if previous is not None:
            if previous.method is method and previous.identity == identity:
                return
            # A newer version supersedes the queued one; an in-flight push of it still completes,
            # and retiring its file then spares the newer version (see `files.retire`).
            with contextlib.suppress(ValueError):
                self._groups[previous.key].remove(previous)
        mtime = time.time() if identity is None else identity.mtime_ns / 1e9
        entry = Entry(path, method, key, identity, mtime)
        self._groups.setdefault(key, deque()).append(entry)
        self._latest[path] = entry
        if key not in self._scheduled:
            self._scheduled.add(key)
            self._ready.put_nowait(key)

    def reject_name(self, path: Path, error: SpoolError) -> None:
        """Quarantine a file whose name breaks the naming rule."""
        log.error("spool file name refused", extra={"kv": {"file": str(path), "err": str(error)}})
        try:
            self._disposition.unusable(path, error)
        except OSError as exc:
            log.error("cannot quarantine spool file", extra={"kv": {"file": str(path), "err": str(exc)}})
        self.metrics.quarantined("invalid_name")

    def pending_stats(self) -> tuple[int, float | None]:
        """How many entries wait (in flight included), and the oldest one's modification time."""
        count = 0
        oldest: float | None = None
        for queue in self._groups.values():
            count += len(queue)
            for entry in queue:
                if oldest is None or entry.mtime < oldest:
                    oldest = entry.mtime
        return count, oldest

    @property
    def pending(self) -> int:
        """How many entries wait, in flight included."""
        return self.pending_stats()[0]

    # ------------------------------------------------------------------ running
    async def run(self) -> None:
        """Deliver entries until cancelled; then let in-flight pushes finish (up to `grace`), files stay otherwise."""
        limit = asyncio.Semaphore(self._workers)
        running: set[asyncio.Task[None]] = set()

        def finished(task: asyncio.Task[None]) -> None:
            running.discard(task)
            limit.release()

        try:
            while True:
                await limit.acquire()
                try:
                    key = await self._ready.get()
                except BaseException:
                    limit.release()
                    raise
                task = asyncio.create_task(self._step(key))
                running.add(task)
                task.add_done_callback(finished)
        finally:
            for timer in self._timers.values():
                timer.cancel()
            self._timers.clear()
            await self._stop(running)

    async def _stop(self, running: set[asyncio.Task[None]]) -> None:
        tasks = set(running)
        for task in tasks - self._pushing:
            task.cancel()  # waiting for the gate or reading: nothing is in flight, the file stays
        pushing = tasks & self._pushing
        late: set[asyncio.Task[None]] = set()
        try:
            if pushing:
                _, late = await asyncio.wait(pushing, timeout=self._grace)
        finally:
            for task in tasks:
                task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        if late:
            log.warning(
                "stopped with pushes in flight; their files stay for the next run", extra={"kv": {"n": len(late)}}
            )

    def _wake(self, key: GroupKey) -> None:
        self._timers.pop(key, None)
        self._ready.put_nowait(key)

    async def _step(self, key: GroupKey) -> None:
        while (wait := self._gate_until - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        queue = self._groups.get(key)
        if not queue:
            self._groups.pop(key, None)
            self._scheduled.discard(key)
            return
        entry = queue[0]
        try:
            delay = await self._attempt(entry)
        except Exception:
            log.exception("spool step failed unexpectedly", extra={"kv": {"file": str(entry.path)}})
            delay = self._backoff.delay(self._failures.get(key, 0) + 1, self._rand())
        if delay is not None:
            self._timers[key] = asyncio.get_running_loop().call_later(delay, self._wake, key)
            return
        if queue and queue[0] is entry:
            queue.popleft()
        if self._latest.get(entry.path) is entry:
            del self._latest[entry.path]
        self._failures.pop(key, None)
        if queue:
            self._ready.put_nowait(key)
        else:
            self._groups.pop(key, None)
            self._scheduled.discard(key)

    async def _attempt(self, entry: Entry) -> float | None:
        """One try at the head of a group: None when the entry is finished, else seconds until the next try."""
        try:
            snapshot = self._disposition.read(entry)
        except OSError as exc:
            log.warning("cannot read spool file", extra={"kv": {"file": str(entry.path), "err": str(exc)}})
            return self._transient(entry, outcome.Outcome(Verdict.TRANSIENT, None, str(exc)))
        if snapshot is None:
            return None
        families: dict[str, MetricFamily] | None = None
        if entry.method is not Method.DELETE:
            try:
                families = parse_text(snapshot.body, utf8=self._utf8)
            except ParseError as exc:
                self._reject(entry, snapshot, outcome.invalid(str(exc)), "parse_error")
                return None
        step = asyncio.current_task()
        if step is not None:
            self._pushing.add(step)
        try:
            result = await self._pusher.push(PushRequest(entry.key, entry.method, snapshot.body, families))
        finally:
            if step is not None:
                self._pushing.discard(step)
        if not result.unreachable:
            self._gate_failures = 0
        if result.verdict is Verdict.DELIVERED:
            try:
                self._disposition.delivered(entry, snapshot)
            except OSError as exc:
                log.error(
                    "pushed, but cannot retire spool file", extra={"kv": {"file": str(entry.path), "err": str(exc)}}
                )
            self.metrics.delivered(entry.method.value, entry.key)
            log.debug("pushed", extra={"kv": {"file": entry.path.name, "method": entry.method.value}})
            return None
        if result.verdict is Verdict.REJECTED:
            self._reject(entry, snapshot, result, "rejected")
            return None
        return self._transient(entry, result)

    def _transient(self, entry: Entry, result: Outcome) -> float:
        self.metrics.retried()
        failures = self._failures[entry.key] = self._failures.get(entry.key, 0) + 1
        delay = self._backoff.delay(failures, self._rand(), result.retry_after)
        if result.unreachable:
            now = time.monotonic()
            if now >= self._gate_until:
                self._gate_failures += 1
                self._gate_until = now + self._backoff.delay(self._gate_failures, self._rand())
            delay = max(0.0, self._gate_until - now)
        level = logging.WARNING if failures == 1 else logging.DEBUG
        log.log(
            level,
            "push failed, will retry",
            extra={
                "kv": {
                    "group": readable_path(entry.key),
                    "status": result.status_text,
                    "err": result.message,
                    "attempt": failures,
                    "retry_in": round(delay, 3),
                }
            },
        )
        return delay

    def _reject(self, entry: Entry, snapshot: Snapshot | None, result: Outcome, reason: str) -> None:
        log.error(
            "spool file rejected",
            extra={"kv": {"file": str(entry.path), "status": result.status_text, "err": result.message}},
        )
        try:
            self._disposition.rejected(entry, snapshot, result)
        except OSError as exc:
            log.error("cannot quarantine spool file", extra={"kv": {"file": str(entry.path), "err": str(exc)}})
        self.metrics.quarantined(reason)
