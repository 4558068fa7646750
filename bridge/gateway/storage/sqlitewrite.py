"""What committed changes do to the file's rows: one transaction per batch, the group ids kept in memory.

`Rows` holds the id of every live group (labels key → id) and the current generation, so a
push costs no lookup in `groups`; a transaction that fails undoes what it changed in them
(copying the map per commit would make a push cost grow with the store). The caller
serialises `commit` (the storage's connection lock).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bridge.gateway.storage.rowcodec import encode_family
from bridge.gateway.storage.sqlitefile import generation, labels_key, live_group_ids
from bridge.gateway.store.types import Change


@dataclass(slots=True)
class _Wiped:
    """Undo entry of a wipe: the group ids and generation it replaced."""

    group_ids: dict[str, int]
    generation: int


_Undo = list[tuple[str, int | None] | _Wiped]

_WRITE_FAMILY = (
    "INSERT INTO families (group_id, name, timestamp_ns, data) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (group_id, name) DO UPDATE SET timestamp_ns = excluded.timestamp_ns, data = excluded.data"
    if sqlite3.sqlite_version_info >= (3, 24)
    else "INSERT OR REPLACE INTO families (group_id, name, timestamp_ns, data) VALUES (?, ?, ?, ?)"
)
"""A family's row, written over the one it replaces: an upsert updates the row in place, where
REPLACE deletes and re-inserts it (9 of 43 µs of a push's SQL with the foreign keys on; SQLite
3.24+ has upserts, older libraries get REPLACE, which leaves the same row)."""


class Rows:
    """The live groups' ids and the generation, and the SQL of a batch of changes."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._group_ids = live_group_ids(conn)
        self._generation = generation(conn)

    def commit(self, batches: list[list[Change]]) -> bool:
        """Write the batches in one transaction; whether it held a wipe (then wiped rows await collection).

        Raises:
            sqlite3.Error: nothing was committed, and the ids are as they were.

        """
        conn = self._conn
        undo: _Undo = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            for changes in batches:
                for change in changes:
                    self._apply(change, undo)
            conn.execute("COMMIT")
        except BaseException:
            self._undo(undo)
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return any(isinstance(entry, _Wiped) for entry in undo)

    def _undo(self, undo: _Undo) -> None:
        for entry in reversed(undo):
            if isinstance(entry, _Wiped):
                self._group_ids = entry.group_ids
                self._generation = entry.generation
                continue
            key, gid = entry
            if gid is None:
                self._group_ids.pop(key, None)
            else:
                self._group_ids[key] = gid

    def _apply(self, change: Change, undo: _Undo) -> None:
        conn = self._conn
        if change.wiped:
            # O(1): a new generation; the old one's rows are collected later (`collector`).
            conn.execute("UPDATE meta SET generation = generation + 1")
            undo.append(_Wiped(self._group_ids, self._generation))
            self._group_ids = {}
            self._generation += 1
            return
        key = labels_key(change.labels)
        if change.group_removed:
            gid = self._group_ids.pop(key, None)
            if gid is not None:
                undo.append((key, gid))
                conn.execute("DELETE FROM families WHERE group_id = ?", (gid,))
                conn.execute("DELETE FROM groups WHERE id = ?", (gid,))
            return
        gid = self._group_ids.get(key)
        if gid is None:
            cursor = conn.execute("INSERT INTO groups (generation, labels) VALUES (?, ?)", (self._generation, key))
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
                _WRITE_FAMILY,
                [(gid, name, s.timestamp_ns, encode_family(s.family)) for name, s in change.written.items()],
            )
