"""`--persistence.file`: every acknowledged write is committed to SQLite (WAL) before the answer.

One writer thread commits whatever is queued in one transaction (group commit), so concurrent
pushes share a commit. The file carries an application id and a schema version; a file that is
not ours, is corrupt, or is newer than this code is refused and never overwritten.

If a commit fails, the writer stops, the pending writes are answered with an error, and the
in-memory store is reloaded from the file, so memory never shows writes the disk lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bridge.errors import PersistenceError
from bridge.gateway.store import Change, StoredFamily
from bridge.protocol.model import Histogram, Metric, MetricFamily, MetricType, Summary

log = logging.getLogger("bridge.gateway")

APPLICATION_ID = 0x50475742  # "PGWB"
SCHEMA_VERSION = 1
_SQLITE_MAGIC = b"SQLite format 3\x00"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS groups (
    id INTEGER PRIMARY KEY,
    labels TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS families (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    timestamp_ns INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (group_id, name)
) WITHOUT ROWID;
"""
_KIND_GAUGE, _KIND_COUNTER, _KIND_UNTYPED, _KIND_SUMMARY, _KIND_HISTOGRAM = range(5)


# ------------------------------------------------------------------ row codec (pure)
def _float(value: float) -> Any:
    """JSON has no NaN/Inf: store them as strings."""
    if value != value or value in (float("inf"), float("-inf")):
        return repr(value)
    return value


def _unfloat(value: Any) -> float:
    return float(value)


def encode_family(family: MetricFamily) -> str:
    """A family as compact JSON: [type, help or null, [metric, ...]], each metric [labels, fields...]."""
    metrics = []
    for m in family.metrics:
        fields: list[Any] = [[list(pair) for pair in m.labels]]
        if m.gauge is not None:
            fields.append([_KIND_GAUGE, _float(m.gauge)])
        if m.counter is not None:
            fields.append([_KIND_COUNTER, _float(m.counter)])
        if m.untyped is not None:
            fields.append([_KIND_UNTYPED, _float(m.untyped)])
        if m.summary is not None:
            s = m.summary
            fields.append(
                [
                    _KIND_SUMMARY,
                    str(s.sample_count),
                    _float(s.sample_sum),
                    [[_float(q), _float(v)] for q, v in s.quantiles],
                ]
            )
        if m.histogram is not None:
            h = m.histogram
            fields.append(
                [
                    _KIND_HISTOGRAM,
                    str(h.sample_count),
                    _float(h.sample_sum),
                    [[_float(b), str(c)] for b, c in h.buckets],
                ]
            )
        metrics.append(fields)
    return json.dumps([int(family.type), family.help, metrics], separators=(",", ":"))


def decode_family(name: str, data: str) -> MetricFamily:
    """Inverse of `encode_family`.

    Raises:
        PersistenceError: the row is not a family this code wrote.

    """
    try:
        mtype, help_text, metrics = json.loads(data)
        family = MetricFamily(name, MetricType(mtype), help_text, [])
        for fields in metrics:
            metric = Metric(labels=tuple((n, v) for n, v in fields[0]))
            for kind, *rest in fields[1:]:
                if kind == _KIND_GAUGE:
                    metric.gauge = _unfloat(rest[0])
                elif kind == _KIND_COUNTER:
                    metric.counter = _unfloat(rest[0])
                elif kind == _KIND_UNTYPED:
                    metric.untyped = _unfloat(rest[0])
                elif kind == _KIND_SUMMARY:
                    metric.summary = Summary(
                        int(rest[0]), _unfloat(rest[1]), [(_unfloat(q), _unfloat(v)) for q, v in rest[2]]
                    )
                elif kind == _KIND_HISTOGRAM:
                    metric.histogram = Histogram(
                        int(rest[0]), _unfloat(rest[1]), [(_unfloat(b), int(c)) for b, c in rest[2]]
                    )
                else:
                    raise ValueError(f"unknown value kind {kind}")
            family.metrics.append(metric)
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        raise PersistenceError(f"family {name!r} cannot be decoded: {exc}") from None
    return family


def _labels_key(labels: dict[str, str]) -> str:
    return json.dumps(sorted(labels.items()), separators=(",", ":"))


# ------------------------------------------------------------------ file checks
def open_database(path: str) -> sqlite3.Connection:
    """Open (creating if needed) a persistence file that is ours, after checking what it is.

    Raises:
        PersistenceError: the file is not SQLite, not ours, corrupt, or from a newer schema.

    """
    existed = os.path.exists(path)
    if existed and os.path.getsize(path) > 0:
        with open(path, "rb") as handle:
            header = handle.read(len(_SQLITE_MAGIC))
        if header != _SQLITE_MAGIC:
            raise PersistenceError(
                f"{path} is not a pgw-bridge persistence file (not SQLite; a Go pushgateway file?). "
                "Refusing to touch it: move it away or choose another --persistence.file"
            )
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise PersistenceError(f"cannot open {path}: {exc}") from None
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if app_id == 0 and not tables:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        elif app_id != APPLICATION_ID:
            raise PersistenceError(
                f"{path} is a SQLite file of another application (application_id {app_id:#x}); refusing to touch it"
            )
        elif version > SCHEMA_VERSION:
            raise PersistenceError(
                f"{path} has schema version {version}, newer than this pgw-bridge understands "
                f"({SCHEMA_VERSION}); upgrade pgw-bridge"
            )
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise PersistenceError(f"{path} is corrupt ({check}); refusing to start on it")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.executescript(_SCHEMA)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise PersistenceError(f"{path} is corrupt or not a database ({exc}); refusing to start on it") from None
    except PersistenceError:
        conn.close()
        raise
    return conn


def load_groups(conn: sqlite3.Connection) -> Iterator[tuple[dict[str, str], dict[str, StoredFamily]]]:
    """Every persisted group with its families, in insertion order.

    Raises:
        PersistenceError: a row that cannot be decoded.

    """
    families: dict[int, dict[str, StoredFamily]] = {}
    for group_id, name, timestamp_ns, data in conn.execute(
        "SELECT group_id, name, timestamp_ns, data FROM families ORDER BY group_id"
    ):
        families.setdefault(group_id, {})[name] = StoredFamily(decode_family(name, data), timestamp_ns)
    for group_id, labels in conn.execute("SELECT id, labels FROM groups ORDER BY id"):
        try:
            pairs = json.loads(labels)
            label_map = {str(n): str(v) for n, v in pairs}
        except (ValueError, TypeError) as exc:
            raise PersistenceError(f"group {group_id} has unreadable labels: {exc}") from None
        yield label_map, families.get(group_id, {})


# ------------------------------------------------------------------ the journal
@dataclass(slots=True)
class _Batch:
    changes: list[Change]
    future: asyncio.Future[None]


class SqliteJournal:
    """Durable journal: `commit` resolves once the changes are in the SQLite WAL."""

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
        self._group_ids: dict[str, int] = {
            labels: gid for gid, labels in self._conn.execute("SELECT id, labels FROM groups")
        }
        self._queue: queue.SimpleQueue[_Batch | None] = queue.SimpleQueue()
        self._resume = threading.Event()
        self._resume.set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._on_failure: Callable[[BaseException], None] | None = None
        self._thread: threading.Thread | None = None
        self.commits = 0
        self.committed_changes = 0

    def load(self) -> list[tuple[dict[str, str], dict[str, StoredFamily]]]:
        """Everything persisted (used at start-up and after a failed commit)."""
        return list(load_groups(self._conn))

    def start(self, loop: asyncio.AbstractEventLoop, on_failure: Callable[[BaseException], None]) -> None:
        """Start the writer thread; `on_failure` runs on the loop after a failed commit."""
        self._loop = loop
        self._on_failure = on_failure
        self._thread = threading.Thread(target=self._writer, name="pgw-persistence", daemon=True)
        self._thread.start()

    async def commit(self, changes: list[Change]) -> None:
        """Queue changes and wait until they are committed.

        Raises:
            PersistenceError: the commit failed (the store is reloaded from the file).

        """
        if self._thread is None:
            raise PersistenceError("the persistence journal is not started")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put(_Batch(changes, future))
        await future

    def _writer(self) -> None:
        while True:
            self._resume.wait()
            item = self._queue.get()
            if item is None:
                return
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
                batches.append(more)
            try:
                self._write(batches)
            except BaseException as exc:
                self._resume.clear()
                self._settle(batches, exc)
                continue
            self._settle(batches, None)
            if stop:
                return

    def _write(self, batches: list[_Batch]) -> None:
        conn = self._conn
        # Group ids assigned or dropped in this transaction, to undo on rollback (copying the
        # whole map per commit would make a push cost grow with the store).
        undo: list[tuple[str, int | None]] = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            for batch in batches:
                for change in batch.changes:
                    self._apply(change, undo)
            conn.execute("COMMIT")
        except BaseException:
            ids = self._group_ids
            for key, gid in reversed(undo):
                if gid is None:
                    ids.pop(key, None)
                else:
                    ids[key] = gid
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self.commits += 1
        self.committed_changes += sum(len(b.changes) for b in batches)

    def _apply(self, change: Change, undo: list[tuple[str, int | None]]) -> None:
        conn = self._conn
        if change.wiped:
            conn.execute("DELETE FROM families")
            conn.execute("DELETE FROM groups")
            undo.extend(self._group_ids.items())
            self._group_ids.clear()
            return
        key = _labels_key(change.labels)
        if change.group_removed:
            gid = self._group_ids.pop(key, None)
            if gid is not None:
                undo.append((key, gid))
                conn.execute("DELETE FROM families WHERE group_id = ?", (gid,))
                conn.execute("DELETE FROM groups WHERE id = ?", (gid,))
            return
        gid = self._group_ids.get(key)
        if gid is None:
            cursor = conn.execute("INSERT INTO groups (labels) VALUES (?)", (key,))
            gid = cursor.lastrowid
            assert gid is not None
            undo.append((key, None))
            self._group_ids[key] = gid
        if change.removed:
            conn.executemany(
                "DELETE FROM families WHERE group_id = ? AND name = ?", [(gid, name) for name in change.removed]
            )
        if change.written:
            conn.executemany(
                "INSERT OR REPLACE INTO families (group_id, name, timestamp_ns, data) VALUES (?, ?, ?, ?)",
                [(gid, name, s.timestamp_ns, encode_family(s.family)) for name, s in change.written.items()],
            )

    def _settle(self, batches: list[_Batch], error: BaseException | None) -> None:
        loop = self._loop
        assert loop is not None

        def resolve() -> None:
            if error is not None:
                failure = PersistenceError(f"could not persist the write to {self.path}: {error}")
                self._fail_pending(batches, failure)
                if self._on_failure is not None:
                    self._on_failure(error)
                self._resume.set()
                return
            for batch in batches:
                if not batch.future.done():
                    batch.future.set_result(None)

        # If the loop is gone (shutdown), nobody waits for these futures any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(resolve)

    def _fail_pending(self, batches: list[_Batch], failure: PersistenceError) -> None:
        """Runs on the loop while the writer waits: fail the batch and everything queued after it."""
        pending = list(batches)
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                pending.append(item)
        for batch in pending:
            if not batch.future.done():
                batch.future.set_exception(failure)
        log.error("persistence failed; reloading the store from the file", extra={"kv": {"err": str(failure)}})

    async def close(self) -> None:
        """Commit what is queued, checkpoint the WAL into the file, and close."""
        if self._thread is not None:
            self._queue.put(None)
            await asyncio.get_running_loop().run_in_executor(None, self._thread.join)
            self._thread = None
        try:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            log.warning("WAL checkpoint failed", extra={"kv": {"err": str(exc)}})
        self._conn.close()
