"""`pgw-bridge storage import / export`: move every group between a persistence file and PostgreSQL, exactly.

Import fills the database's tables in one transaction, under the write lock, and starts a new
history: replicas already running see it and reload. It refuses a database that holds groups
unless asked to replace them. Export writes a new persistence file (it refuses an existing one)
that `--persistence.file` restores as it was. Families go through each side's codec (decoded,
then encoded), so the two stores may use different row formats.
"""

from __future__ import annotations

import os
from typing import Any

from bridge.errors import PersistenceError, StorageUnavailable
from bridge.gateway.config import redact_dsn
from bridge.gateway.storage.interface import PersistedGroup
from bridge.gateway.storage.postgres import schema
from bridge.gateway.storage.postgres.codec import encode_family, labels_text
from bridge.gateway.storage.postgres.connect import conninfo, describe
from bridge.gateway.storage.sqlitefile import encode_family as encode_file_family
from bridge.gateway.storage.sqlitefile import labels_key, load_groups, open_database


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
                            [(key, n, s.timestamp_ns, encode_family(s.family)) for n, s in families.items()],
                        )
                conn.execute("UPDATE pgw_meta SET history = %s, seq = 0", (schema.new_history(),))
                conn.execute("SELECT pg_notify(%s, '0')", (schema.NOTIFY_CHANNEL,))
        except psycopg.Error as exc:
            raise PersistenceError(f"could not import into {where}: {describe(exc)}") from None
    return len(groups)


def export_file(dsn: str, path: str, *, password_file: str = "") -> int:
    """Write every group of the database into a new persistence file `path`; the number of groups.

    Raises:
        PersistenceError: `path` exists, or a row cannot be read.
        StorageUnavailable: the database cannot be reached.

    """
    if os.path.exists(path):
        raise PersistenceError(f"{path} exists; export writes a new file (move it away first)")
    where = f"PostgreSQL {redact_dsn(dsn)}"
    with _connect(dsn, password_file) as conn:
        schema.ensure(conn, where)
        loaded = schema.load(conn)
    target = open_database(path)
    try:
        target.execute("BEGIN IMMEDIATE")
        for labels, families in loaded.groups:
            cursor = target.execute("INSERT INTO groups (labels) VALUES (?)", (labels_key(labels),))
            target.executemany(
                "INSERT INTO families (group_id, name, timestamp_ns, data) VALUES (?, ?, ?, ?)",
                [(cursor.lastrowid, n, s.timestamp_ns, encode_file_family(s.family)) for n, s in families.items()],
            )
        target.execute("COMMIT")
        target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        target.close()
    return len(loaded.groups)
