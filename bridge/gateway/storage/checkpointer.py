"""Moves committed pages from the WAL into the file on a thread and connection of its own, off every commit.

SQLite's automatic checkpoint runs inside the commit that crosses its threshold: that commit
(a push, or a batch of a wipe's collection) then copies up to 4 MB back into the file and
syncs it, and every request queued behind it waits (measured: 50-300 ms stalls while a
50k-group wipe was collected). The storage turns it off on its connection and wakes this
thread after commits instead; a PASSIVE checkpoint never waits for the writer and the writer
never waits for it (WAL lets both run at once).

SQLite restarts the WAL from its start only at a write that begins after a checkpoint that
left nothing behind; under a steady load a commit lands during nearly every checkpoint, and
the WAL would grow without end (measured: 34 MB in 8 s of 16 pushing clients). So once the WAL
holds more than `RESET_FRAMES`, the storage runs one checkpoint itself, under its write lock,
right after a commit on its writer thread (`settle`; a commit made on the event loop
hands it to the writer): it copies only what came since this thread's last checkpoint, and the
next write restarts the WAL.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger("bridge.gateway")

EVERY = 0.1
"""Seconds between two checkpoints at most as often (while commits keep coming)."""
RESET_FRAMES = 2000
"""WAL frames (pages of 4 KiB) beyond which the writer completes a checkpoint itself, so the WAL restarts."""


class Checkpointer:
    """A thread running PASSIVE checkpoints on its own connection after commits, at most every `EVERY` seconds."""

    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self.checkpoints = 0  # how many ran (for tests and curiosity)
        self.frames = 0  # frames in the WAL at the last checkpoint
        self.running = False  # a checkpoint is copying (and syncing) pages on this thread now
        self._thread = threading.Thread(target=self._run, name="pgw-checkpoint", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        """Something was committed: checkpoint soon (cheap; any thread)."""
        self._wake.set()

    def checkpoint(self) -> tuple[int, int]:
        """One PASSIVE checkpoint now: (frames in the WAL, frames of them now in the file)."""
        _busy, frames, done = self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.checkpoints += 1
        self.frames = frames
        return frames, done

    def settle_due(self) -> bool:
        """Whether the WAL is not restarting: the next `settle` will checkpoint."""
        return self.frames > RESET_FRAMES

    def settle(self, writer: sqlite3.Connection) -> None:
        """After a commit on `writer` (its lock held): if the WAL is not restarting, finish a checkpoint there."""
        if self.settle_due():
            self.frames = 0
            writer.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _run(self) -> None:
        while True:
            self._wake.wait()
            if self._stopping.is_set():
                return
            self._wake.clear()
            self.running = True
            try:
                self.checkpoint()
            except sqlite3.Error as exc:
                # Nothing is lost: the pages stay in the WAL, and the next checkpoint takes them.
                log.warning("WAL checkpoint failed", extra={"kv": {"err": str(exc)}})
            finally:
                self.running = False
            # Let commits accumulate between two checkpoints; a stop cuts the pause short.
            if self._stopping.wait(EVERY):
                return

    def close(self) -> None:
        """Stop the thread and close its connection (the caller then checkpoints what is left)."""
        self._stopping.set()
        self._wake.set()
        self._thread.join()
        self._conn.close()
