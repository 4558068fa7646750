"""The persistence file: its schema (v2), identity checks, loading the live groups, collecting wiped ones.

Schema v2::

    meta      one row: the current `generation`
    groups    id, generation, labels (JSON of the sorted pairs); unique per (generation, labels)
    families  (group_id, name) → timestamp_ns, data (a `rowcodec` row: JSON text or protobuf blob)

A wipe commits in O(1): it increments `meta.generation`. Only the groups of the current
generation are live; older ones are garbage, deleted a few at a time by `collect_some` in
small transactions of their own, so a crash at any moment loses nothing (a write after the
wipe is a group of the new generation, which collection never touches). Schema v1 (no `meta`,
no generation, labels unique) is migrated in place at open (`sqlitemigrate`).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterator

from bridge.errors import PersistenceError
from bridge.gateway.storage.rowcodec import decode_family
from bridge.gateway.storage.sqlitemigrate import migrate_v1
from bridge.gateway.store.types import StoredFamily

log = logging.getLogger("bridge.gateway")

APPLICATION_ID = 0x50475742  # "PGWB"
SCHEMA_VERSION = 2
_SQLITE_MAGIC = b"SQLite format 3\x00"
SCHEMA = """
CREATE TABLE meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO meta (id, generation) VALUES (1, 0);
CREATE TABLE groups (
    id INTEGER PRIMARY KEY,
    generation INTEGER NOT NULL,
    labels TEXT NOT NULL,
    UNIQUE (generation, labels)
);
CREATE TABLE families (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    timestamp_ns INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (group_id, name)
) WITHOUT ROWID;
"""
"""Schema v2. `families` is v1's table unchanged: a BLOB keeps its type in a TEXT column (SQLite
converts only numbers to text), which tells the row codec which form a row is in."""
_TABLES = {"meta", "groups", "families"}


def labels_key(labels: dict[str, str]) -> str:
    return json.dumps(sorted(labels.items()), separators=(",", ":"))


# ------------------------------------------------------------------ file checks
def open_database(path: str) -> sqlite3.Connection:
    """Open (creating if needed) a persistence file that is ours, after checking what it is; a v1 file is migrated.

    Raises:
        PersistenceError: the file is not SQLite, not ours, corrupt, or from a newer schema.

    """
    existed = os.path.exists(path)
    try:
        header = b""
        if existed and os.path.getsize(path) > 0:
            with open(path, "rb") as handle:
                header = handle.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise PersistenceError(f"cannot open {path}: {exc.strerror or exc}") from None
    if header and header != _SQLITE_MAGIC:
        raise PersistenceError(
            f"{path} is not a pgw-bridge persistence file (not SQLite; a Go pushgateway file?). "
            "Refusing to touch it: move it away or choose another --persistence.file"
        )
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise PersistenceError(f"cannot open {path}: {exc}") from None
    try:
        _check_and_upgrade(conn, path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise PersistenceError(f"{path} is corrupt or not a database ({exc}); refusing to start on it") from None
    except BaseException:
        conn.close()
        raise
    return conn


def _check_and_upgrade(conn: sqlite3.Connection, path: str) -> None:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if app_id == 0 and not tables:
        conn.execute("PRAGMA journal_mode = WAL")
        _create(conn)
        version = SCHEMA_VERSION
    elif app_id != APPLICATION_ID:
        raise PersistenceError(
            f"{path} is a SQLite file of another application (application_id {app_id:#x}); refusing to touch it"
        )
    elif version > SCHEMA_VERSION:
        raise PersistenceError(
            f"{path} has schema version {version}, newer than this pgw-bridge understands "
            f"({SCHEMA_VERSION}); upgrade pgw-bridge"
        )
    elif version < 1:
        raise PersistenceError(f"{path} has schema version {version}, which no pgw-bridge wrote; refusing to touch it")
    check = conn.execute("PRAGMA quick_check").fetchone()[0]
    if check != "ok":
        raise PersistenceError(f"{path} is corrupt ({check}); refusing to start on it")
    conn.execute("PRAGMA journal_mode = WAL")
    if version == 1:
        began = time.perf_counter()
        try:
            groups = migrate_v1(conn)
        except PersistenceError as exc:
            raise PersistenceError(f"{path} cannot be migrated from schema 1 ({exc}); refusing to touch it") from None
        except sqlite3.Error as exc:
            raise PersistenceError(f"cannot migrate {path} from schema 1 ({exc}); the file is unchanged") from None
        log.info(
            "migrated the persistence file to the current schema",
            extra={
                "kv": {
                    "file": path,
                    "from": 1,
                    "to": SCHEMA_VERSION,
                    "groups": groups,
                    "ms": round((time.perf_counter() - began) * 1000),
                }
            },
        )
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not tables >= _TABLES or conn.execute("SELECT count(*) FROM meta").fetchone()[0] != 1:
        raise PersistenceError(f"{path} is corrupt (schema {SCHEMA_VERSION} tables missing); refusing to start on it")
    # Foreign keys only now: the migration rebuilds `groups` under `families`.
    conn.execute("PRAGMA foreign_keys = ON")


def _create(conn: sqlite3.Connection) -> None:
    """A new file: identity, version and schema in one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


# ------------------------------------------------------------------ reading and collecting
def generation(conn: sqlite3.Connection) -> int:
    """The current generation: the live groups carry it."""
    value: int = conn.execute("SELECT generation FROM meta").fetchone()[0]
    return value


def live_group_ids(conn: sqlite3.Connection) -> dict[str, int]:
    """Labels key → id of every live group."""
    rows = conn.execute("SELECT labels, id FROM groups WHERE generation = (SELECT generation FROM meta)")
    return dict(rows.fetchall())


def has_garbage(conn: sqlite3.Connection) -> bool:
    """Whether groups of an older generation (wiped, not collected yet) are left."""
    row = conn.execute("SELECT 1 FROM groups WHERE generation < (SELECT generation FROM meta) LIMIT 1").fetchone()
    return row is not None


def load_groups(conn: sqlite3.Connection) -> Iterator[tuple[dict[str, str], dict[str, StoredFamily]]]:
    """Every live group with its families, in insertion order.

    Raises:
        PersistenceError: a row that cannot be decoded.

    """
    live = conn.execute(
        "SELECT id, labels FROM groups WHERE generation = (SELECT generation FROM meta) ORDER BY id"
    ).fetchall()
    families: dict[int, dict[str, StoredFamily]] = {group_id: {} for group_id, _ in live}
    # One scan in key order; the rows of wiped groups not collected yet are skipped undecoded.
    for group_id, name, timestamp_ns, data in conn.execute(
        "SELECT group_id, name, timestamp_ns, data FROM families ORDER BY group_id"
    ):
        group = families.get(group_id)
        if group is not None:
            group[name] = StoredFamily(decode_family(name, data), timestamp_ns)
    for group_id, labels in live:
        try:
            pairs = json.loads(labels)
            label_map = {str(n): str(v) for n, v in pairs}
        except (ValueError, TypeError) as exc:
            raise PersistenceError(f"group {group_id} has unreadable labels: {exc}") from None
        yield label_map, families[group_id]


_WIPED_BATCH = (
    "SELECT id FROM groups WHERE generation < (SELECT generation FROM meta) ORDER BY generation, labels LIMIT ?"
)
"""The next wiped groups, in the order of the (generation, labels) index: the same rows twice in one transaction."""


def collect_some(conn: sqlite3.Connection, limit: int) -> int:
    """Delete up to `limit` wiped groups and their families in one transaction; how many went (0: none left).

    Four statements, each one call into SQLite: the writer thread gives up the GIL around every
    call and every row it steps, and wins it back from a busy event loop only at the loop's
    next switch, so fetching the ids and deleting row by row (executemany) would hand the GIL
    back and forth hundreds of times per batch.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(f"DELETE FROM families WHERE group_id IN ({_WIPED_BATCH})", (limit,))
        collected = conn.execute(f"DELETE FROM groups WHERE id IN ({_WIPED_BATCH})", (limit,)).rowcount
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return collected
