"""`pgw-bridge storage import / export`: move every group between a persistence file and PostgreSQL, exactly.

Import fills the database's tables in one transaction, under the write lock, and starts a new
history: replicas already running see it and reload. It refuses a database that holds groups
unless asked to replace them. Export writes a new persistence file (it refuses an existing one)
that `--persistence.file` restores as it was. Families go through each side's codec (decoded,
then encoded), so the two stores may use different row formats. The database keeps every field
a family can carry; the persistence file's format (schema 1) keeps classic values only, so
export checks each family comes back from the file's row as it is in the database and refuses,
before it creates the file, a store the file would hold less of (native histograms, float
counts, exemplars, created timestamps, unknown fields).
"""

from __future__ import annotations

import os
from typing import Any

from bridge.errors import PersistenceError, StorageUnavailable
from bridge.gateway.config import redact_dsn
from bridge.gateway.storage.interface import PersistedGroup
from bridge.gateway.storage.postgres import schema
from bridge.gateway.storage.postgres.codec import encode_family, labels_text, name_key
from bridge.gateway.storage.postgres.connect import conninfo, describe
from bridge.gateway.storage.sqlitefile import SCHEMA_VERSION as FILE_SCHEMA
from bridge.gateway.storage.sqlitefile import decode_family as decode_file_family
from bridge.gateway.storage.sqlitefile import encode_family as encode_file_family
from bridge.gateway.storage.sqlitefile import labels_key, load_groups, open_database
from bridge.gateway.store.types import StoredFamily

FileRow = tuple[str, int, str]
"""A family as the persistence file's `families` table holds it: name, arrival time, data."""


def _connect(dsn: str, password_file: str) -> Any:
    import psycopg

    try:
        return psycopg.connect(
            conninfo(dsn, password_file=password_file, timeout=10, replica="storage"), autocommit=True
        )
    except psycopg.Error as exc:
        raise StorageUnavailable(f"cannot connect to PostgreSQL {redact_dsn(dsn)}: {describe(exc)}") from None


def _read_file(path: str) -> list[PersistedGroup]:
    if not os.path.exists(path):
        raise PersistenceError(f"{path} does not exist")
    conn = open_database(path)
    try:
        return list(load_groups(conn))
    finally:
        conn.close()


def import_file(path: str, dsn: str, *, password_file: str = "", replace: bool = False) -> int:
    """Copy every group of persistence file `path` into the database; the number of groups.

    Raises:
        PersistenceError: the file cannot be read, or the database holds groups and not `replace`.
        StorageUnavailable: the database cannot be reached.

    """
    import psycopg

    groups = _read_file(path)
    where = f"PostgreSQL {redact_dsn(dsn)}"
    with _connect(dsn, password_file) as conn:
        schema.ensure(conn, where)
        try:
            with conn.transaction():
                conn.execute("SELECT seq FROM pgw_meta FOR UPDATE")
                held = conn.execute("SELECT count(*) FROM pgw_groups").fetchone()[0]
                if held and not replace:
                    raise PersistenceError(
                        f"{where} already holds {held} groups; pass --replace to replace them with {path}'s"
                    )
                conn.execute("TRUNCATE pgw_families, pgw_groups, pgw_changes")
                with conn.cursor() as cur:
                    for labels, families in groups:
                        key = labels_text(labels)
                        cur.execute("INSERT INTO pgw_groups (labels) VALUES (%s)", (key,))
                        cur.executemany(
                            "INSERT INTO pgw_families (labels, name, timestamp_ns, data) VALUES (%s, %s, %s, %s)",
                            [(key, name_key(n), s.timestamp_ns, encode_family(s.family)) for n, s in families.items()],
                        )
                conn.execute("UPDATE pgw_meta SET history = %s, seq = 0", (schema.new_history(),))
                conn.execute("SELECT pg_notify(%s, '0')", (schema.NOTIFY_CHANNEL,))
        except psycopg.Error as exc:
            raise PersistenceError(f"could not import into {where}: {describe(exc)}") from None
    return len(groups)


def _file_rows(labels: dict[str, str], families: dict[str, StoredFamily]) -> list[FileRow]:
    """A group's families as persistence-file rows, each checked to read back as it was.

    Raises:
        PersistenceError: a family the file's format cannot hold whole.

    """
    rows = []
    for name, stored in families.items():
        data = encode_file_family(stored.family)
        if encode_family(decode_file_family(name, data)) != encode_family(stored.family):
            raise PersistenceError(
                f"family {name!r} of group {labels} holds what a persistence file (schema {FILE_SCHEMA}) "
                "cannot keep (native histograms, float counts, exemplars, created timestamps or unknown fields); "
                "nothing was exported"
            )
        rows.append((name, stored.timestamp_ns, data))
    return rows


def export_file(dsn: str, path: str, *, password_file: str = "") -> int:
    """Write every group of the database into a new persistence file `path`; the number of groups.

    Raises:
        PersistenceError: `path` exists, a row cannot be read, or a family holds what the file
            cannot keep (then no file is written).
        StorageUnavailable: the database cannot be reached.

    """
    if os.path.exists(path):
        raise PersistenceError(f"{path} exists; export writes a new file (move it away first)")
    where = f"PostgreSQL {redact_dsn(dsn)}"
    with _connect(dsn, password_file) as conn:
        schema.ensure(conn, where)
        loaded = schema.load(conn)
    groups = [(labels_key(labels), _file_rows(labels, families)) for labels, families in loaded.groups]
    target = open_database(path)
    try:
        target.execute("BEGIN IMMEDIATE")
        for key, rows in groups:
            cursor = target.execute("INSERT INTO groups (labels) VALUES (?)", (key,))
            target.executemany(
                "INSERT INTO families (group_id, name, timestamp_ns, data) VALUES (?, ?, ?, ?)",
                [(cursor.lastrowid, *row) for row in rows],
            )
        target.execute("COMMIT")
        target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        target.close()
    return len(loaded.groups)
