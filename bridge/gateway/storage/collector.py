"""Collects a wipe's rows in the background: small transactions, sized by what they cost, between the commits.

A wipe only starts a new generation (`sqlitefile`); its rows are deleted afterwards by the
SQLite storage's writer thread, one `collect_some` transaction at a time. A batch runs when
the writer's queue has stayed empty for a rest (nine times what the last batch took: `DUTY`),
and at least every `EVERY` seconds or rest under a steady load (so a wipe's rows do go); its
size aims at `TARGET` seconds, from a moving average of the cost per group, so a request that
arrives meanwhile waits for one small batch at most. The writer holds the storage's connection
lock around `step`, and `postpone`s a batch while the checkpointer thread is copying pages into
the file and syncing it: a batch writes a megabyte or so to the WAL, and writes that meet a sync
of the same disk can wait for it, with the lock held (measured: batches of 4 ms took 40-500 ms
next to a checkpoint, and so did the pushes waiting for the lock).
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import time

from bridge.gateway.storage.sqlitefile import collect_some

log = logging.getLogger("bridge.gateway")

TARGET = 0.002
"""Seconds one collection transaction aims at (4 ms measured p99 4.7-4.9 ms of a client pushing meanwhile, 2 ms 3.4-4.0)."""
IDLE = 0.001
"""Seconds the queue must stay empty before the writer collects a batch."""
EVERY = 0.02
"""Under a steady load the writer still collects one batch this often (or after its rest)."""
DUTY = 0.1
"""The share of the time the writer spends collecting, at most."""
COLLECT = object()
"""What `next_item` returns when a batch is to be collected before the next queued item."""


class Collector:
    """The collection state of one storage: whether rows are left, and how big the next batch is.

    Attributes:
        pending: wiped rows may be left (set by a committed wipe, cleared when none are left).

    """

    def __init__(self, pending: bool) -> None:
        self.pending = pending
        self._limit = 64
        self._cost = 0.0  # seconds per group collected, averaged
        self._due = 0.0
        self._rest = IDLE

    def next_item(self, items: queue.SimpleQueue[object]) -> object:
        """The writer's next queued item, or `COLLECT` when a batch is due first."""
        if not self.pending:
            return items.get()
        if time.monotonic() >= self._due:
            return COLLECT
        try:
            return items.get(timeout=self._rest)
        except queue.Empty:
            return COLLECT

    def postpone(self) -> None:
        """The batch that was due waits: try again after `IDLE` (the checkpointer is writing the file)."""
        self._rest = IDLE
        self._due = time.monotonic() + IDLE

    def step(self, conn: sqlite3.Connection, *, fsync: bool) -> None:
        """Collect one batch in its own transaction (the caller holds the connection lock)."""
        began = time.monotonic()
        try:
            if fsync:
                # Nobody waits for this commit; the next write's fsync covers it (the WAL is sequential).
                conn.execute("PRAGMA synchronous = NORMAL")
            try:
                collected = collect_some(conn, self._limit)
            finally:
                if fsync:
                    conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as exc:
            # Nothing live is at stake: the rows stay until the next start collects them.
            log.warning("could not collect wiped rows; retrying at the next start", extra={"kv": {"err": str(exc)}})
            self.pending = False
            return
        if collected < self._limit:
            self.pending = False
        if collected:
            # A moving average: one batch slowed down by the scheduler (on a busy machine) must
            # not shrink the next ones to nothing.
            cost = (time.monotonic() - began) / collected
            self._cost = 0.8 * self._cost + 0.2 * cost if self._cost else cost
            self._limit = min(4096, max(8, int(TARGET / self._cost)))
        # Then rest, `DUTY` of the time at most: a batch rewrites every page it touches, so a
        # wipe's rows cost about the file's size in WAL writes and again in checkpoints; in a
        # burst that is the kernel's cue to hold every writer of the disk (measured: single
        # commits stalled 100-700 ms while 50k groups were collected in 2 s), spread out it is not.
        took = time.monotonic() - began
        self._rest = max(IDLE, took * (1 - DUTY) / DUTY)
        self._due = time.monotonic() + max(EVERY, self._rest)
