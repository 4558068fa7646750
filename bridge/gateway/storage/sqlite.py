"""`--persistence.file`: every acknowledged write is committed to SQLite (WAL) before the answer.

A `Storage` (see `interface`) for one gateway: writes are decided at once, in call order, and
committed in that order, several in one transaction (group commit). Without `fsync`, a commit
writes the WAL and syncs nothing, so it runs on the event loop's thread: every write decided in
one pass of the loop (the pushes whose requests arrived together) waits for one transaction,
made once the pass is over; no thread hand-off, and one set of file locks and WAL pages for the
lot. With `fsync`, or while the writer thread holds the connection, writes go to the writer
thread, which commits whatever is queued in one transaction.
The file (see `sqlitefile`) carries an application id and a schema version; a file that is not
ours, is corrupt, or is newer than this code is refused and never overwritten.

A wipe commits in O(1) (a new generation, see `sqlitefile`); the writer thread then deletes the
wiped rows a batch of a few milliseconds at a time, between the commits (`collector`), so no
request waits behind more than one small batch. Checkpoints run on a thread and connection of
their own (`checkpointer`), so no commit pays for one; the one the WAL's restart needs under the
lock runs on the writer thread, never on the event loop's. One lock serialises the connection
between the writer thread and a commit made on the loop.

If a commit fails, the writer stops, the pending writes are answered with an error, and the
in-memory store is reloaded from the file, so memory never shows writes the disk lost.
The change feed is this process's last writes (`feed.LocalFeed`): the file keeps no change log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass

from bridge.errors import PersistenceError
from bridge.gateway.storage.checkpointer import Checkpointer
from bridge.gateway.storage.collector import COLLECT, Collector
from bridge.gateway.storage.feed import LocalFeed
from bridge.gateway.storage.interface import Committed, Decision, Loaded, Model, Position, Reset, T
from bridge.gateway.storage.sqlitefile import has_garbage, load_groups, open_database
from bridge.gateway.storage.sqlitewrite import Rows
from bridge.gateway.store.types import Change

log = logging.getLogger("bridge.gateway")


@dataclass(slots=True)
class _Batch:
    changes: list[Change]
    future: asyncio.Future[None]


_WAKE = object()  # queued after a commit on the loop that wiped or left the WAL to settle: the writer sees to it


class SqliteStorage:
    """Durable storage: `write` returns once the changes are in the SQLite WAL."""

    durable = True

    def __init__(self, path: str, *, fsync: bool = False) -> None:
        """Open and check the file (it is refused if it is not ours).

        Args:
            path: the persistence file.
            fsync: also survive power loss (synchronous=FULL); by default commits survive a
                process crash (kill -9), which is what WAL with synchronous=NORMAL guarantees.

        Raises:
            PersistenceError: the file cannot be used.

        """
        self.path = path
        self._conn = open_database(path)
        self._conn.execute(f"PRAGMA synchronous = {'FULL' if fsync else 'NORMAL'}")
        # An inline commit would hold the event loop through an fsync; with fsync every commit
        # goes to the writer thread.
        self._inline = not fsync
        self._fsync = fsync
        # The connection and the rows' ids are used by the writer thread and by commits made in
        # place on the loop's thread: one lock, held for a transaction.
        self._lock = threading.Lock()
        self._rows = Rows(self._conn)
        self._collector = Collector(has_garbage(self._conn))  # `pending` changes under the lock too
        self._queue: queue.SimpleQueue[_Batch | object | None] = queue.SimpleQueue()
        self._resume = threading.Event()
        self._resume.set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._model: Model | None = None
        self._thread: threading.Thread | None = None
        self._checkpointer: Checkpointer | None = None
        self._in_flight = 0  # batches queued or being written; only the loop's thread touches it
        self._pass_writes: list[_Batch] | None = None  # writes of this pass of the loop, committed after it
        self._feed = LocalFeed()

    def load(self) -> Loaded:
        """Everything persisted (at start-up, and after a failed commit), at the current position.

        Raises:
            PersistenceError: a row this code cannot read.

        """
        try:
            with self._lock:
                groups = list(load_groups(self._conn))
        except PersistenceError as exc:
            raise PersistenceError(
                f"{self.path} has content this pgw-bridge cannot read ({exc}); refusing to use it"
            ) from None
        return Loaded(groups, self._feed.head)

    def start(self, loop: asyncio.AbstractEventLoop, model: Model, position: Position | None) -> None:
        """Start the writer thread; after a failed commit, `model` is reloaded from the file."""
        self._loop = loop
        self._model = model
        # Checkpoints move to a thread of their own: no commit pays for one (see `checkpointer`).
        self._conn.execute("PRAGMA wal_autocheckpoint = 0")
        self._checkpointer = Checkpointer(self.path)
        self._thread = threading.Thread(target=self._writer, name="pgw-persistence", daemon=True)
        self._thread.start()

    async def write(self, decide: Callable[[], Decision[T]]) -> T:
        """Decide at once, then commit; returns once the changes are in the file.

        Args:
            decide: checks and applies the write to the model.

        Raises:
            PersistenceError: not started, or the commit failed (the model is reloaded from the file).

        """
        if self._thread is None:
            raise PersistenceError("the persistence storage is not started")
        result, changes = decide()
        if not changes:
            return result
        loop = self._loop
        assert loop is not None
        batch = _Batch(changes, loop.create_future())
        pass_writes = self._pass_writes
        if pass_writes is not None:  # this pass of the loop already has a commit coming: join it
            pass_writes.append(batch)
        elif self._inline and self._in_flight == 0:
            # Nothing queued for the writer thread, so nothing decided earlier is uncommitted:
            # this write and the rest of the pass commit on the loop, once the pass is over.
            self._pass_writes = [batch]
            loop.call_soon(self._commit_pass)
        else:
            self._in_flight += 1
            self._queue.put(batch)
        await batch.future
        return result

    def _commit_pass(self) -> None:
        """Commit the writes of the last pass of the loop in one transaction, and answer them."""
        batches, self._pass_writes = self._pass_writes or [], None
        if not self._lock.acquire(blocking=False):
            # The writer thread is collecting a wipe's rows or settling the WAL: it commits
            # these next, in order (they are the first writes queued since nothing else is).
            self._in_flight += len(batches)
            for batch in batches:
                self._queue.put(batch)
            return
        try:
            wiped = self._write([batch.changes for batch in batches], settle=False)
        except BaseException as exc:
            self._lock.release()
            failure = PersistenceError(f"could not persist the write to {self.path}: {exc}")
            log.error("persistence failed; reloading the store from the file", extra={"kv": {"err": str(failure)}})
            self._reload_model()
            for batch in batches:
                if not batch.future.done():
                    batch.future.set_exception(failure)
            return
        self._lock.release()
        if wiped or self._settle_due():
            self._queue.put(_WAKE)
        for batch in batches:
            self._feed.append(batch.changes)
            if not batch.future.done():  # cancelled if its request was
                batch.future.set_result(None)

    async def changes_after(self, position: Position) -> list[Committed] | Reset:
        """The writes this process committed after `position` (the file keeps no change log)."""
        return self._feed.after(position)

    def _reload_model(self) -> None:
        if self._model is not None:
            self._model.reload(self.load())

    def _writer(self) -> None:
        while True:
            self._resume.wait()
            item = self._collector.next_item(self._queue)
            if item is COLLECT:
                if self._checkpointer is not None and self._checkpointer.running:
                    self._collector.postpone()  # garbage can wait; see `collector`
                    continue
                with self._lock:
                    self._collector.step(self._conn, fsync=self._fsync)
                if self._checkpointer is not None:
                    self._checkpointer.committed()
                continue
            if item is None:
                return
            if not isinstance(item, _Batch):
                if self._settle_due():  # after a commit on the loop (`_WAKE`): finish its checkpoint here
                    with self._lock:
                        self._settle_wal()
                continue
            batches = [item]
            stop = False
            while True:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                if isinstance(more, _Batch):
                    batches.append(more)
            try:
                with self._lock:
                    self._write([batch.changes for batch in batches])
            except BaseException as exc:
                self._resume.clear()
                self._settle(batches, exc)
                continue
            self._settle(batches, None)
            if stop:
                return

    def collecting(self) -> bool:
        """Whether rows of a wipe are still waiting to be collected."""
        return self._collector.pending

    def _write(self, batches: list[list[Change]], *, settle: bool = True) -> bool:
        """Commit the batches in one transaction (the caller holds the lock); whether it wiped.

        With `settle` (the writer thread), a WAL that is not restarting gets its checkpoint
        finished right after the commit (`Checkpointer.settle`); a commit made on the loop leaves
        that to the writer thread (`_WAKE`), so the event loop never waits for a checkpoint.
        """
        wiped = self._rows.commit(batches)
        if self._checkpointer is not None:
            self._checkpointer.committed()
            if settle:
                self._settle_wal()
        if wiped:
            self._collector.pending = True
        return wiped

    def _settle_due(self) -> bool:
        return self._checkpointer is not None and self._checkpointer.settle_due()

    def _settle_wal(self) -> None:
        """Finish a checkpoint if the WAL is not restarting (the caller holds the lock)."""
        if self._checkpointer is None:
            return
        try:
            self._checkpointer.settle(self._conn)
        except sqlite3.Error as exc:  # committed all the same; the next checkpoint retries
            log.warning("WAL checkpoint failed", extra={"kv": {"err": str(exc)}})

    def _settle(self, batches: list[_Batch], error: BaseException | None) -> None:
        loop = self._loop
        assert loop is not None

        def resolve() -> None:
            if error is not None:
                failure = PersistenceError(f"could not persist the write to {self.path}: {error}")
                self._in_flight -= self._fail_pending(batches, failure)
                self._reload_model()
                self._resume.set()
                return
            self._in_flight -= len(batches)
            for batch in batches:
                self._feed.append(batch.changes)
                if not batch.future.done():
                    batch.future.set_result(None)

        # If the loop is gone (shutdown), nobody waits for these futures any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(resolve)

    def _fail_pending(self, batches: list[_Batch], failure: PersistenceError) -> int:
        """Runs on the loop while the writer waits: fail the batch and everything queued after it; how many."""
        pending = list(batches)
        closing = False
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, _Batch):
                pending.append(item)
            closing = closing or item is None
        if closing:
            self._queue.put(None)  # close() is waiting for the writer to stop
        for batch in pending:
            if not batch.future.done():
                batch.future.set_exception(failure)
        log.error("persistence failed; reloading the store from the file", extra={"kv": {"err": str(failure)}})
        return len(pending)

    async def close(self) -> None:
        """Commit what is queued, checkpoint the WAL into the file, and close."""
        if self._pass_writes is not None:
            self._commit_pass()
        if self._thread is not None:
            self._queue.put(None)
            await asyncio.get_running_loop().run_in_executor(None, self._thread.join)
            self._thread = None
        if self._checkpointer is not None:
            self._checkpointer.close()
            self._checkpointer = None
        try:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            log.warning("WAL checkpoint failed", extra={"kv": {"err": str(exc)}})
        self._conn.close()
