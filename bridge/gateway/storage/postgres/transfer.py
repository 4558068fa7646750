"""`pgw-bridge storage import / export`: move every group between a persistence file and PostgreSQL, exactly.

Import fills the database's tables in one transaction, under the write lock, and starts a new
history: replicas already running see it and reload. It refuses a database that holds groups
unless asked to replace them. Export writes a new persistence file (it refuses an existing one)
that `--persistence.file` restores as it was. The file is read and written through
`SqliteStorage` (its `load`, and one `write` of every group with its own arrival times), so
each side keeps its own row format and schema. Both keep every field a family can carry (the
file's schema 2 writes what JSON cannot hold as protobuf); export still loads what it wrote and
compares every family with the database's, protobuf bytes and arrival time, so a file that would
hold less than the database is refused, naming the family, and no file is left behind (it is
written under a temporary name and renamed into place once checked).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from typing import Any

from bridge.errors import PersistenceError, StorageUnavailable
from bridge.gateway.config import redact_dsn
from bridge.gateway.storage.interface import Committed, Loaded, PersistedGroup
from bridge.gateway.storage.postgres import schema
from bridge.gateway.storage.postgres.codec import encode_family, labels_text, name_key
from bridge.gateway.storage.postgres.connect import conninfo, describe
from bridge.gateway.storage.sqlite import SqliteStorage
from bridge.gateway.store.types import Change
from bridge.protocol.grouping import group_key


def _connect(dsn: str, password_file: str) -> Any:
    import psycopg

    try:
        return psycopg.connect(
            conninfo(dsn, password_file=password_file, timeout=10, replica="storage"), autocommit=True
        )
    except psycopg.Error as exc:
        raise StorageUnavailable(f"cannot connect to PostgreSQL {redact_dsn(dsn)}: {describe(exc)}") from None


class _NoModel:
    """The model a file storage keeps in step while export writes it: there is none to keep."""

    def apply(self, committed: Committed) -> None:
        """Nothing to replay: export is the file's only writer."""

    def reload(self, loaded: Loaded) -> None:
        """Nothing to reload: a failed commit fails export."""


def _load_file(path: str) -> list[PersistedGroup]:
    storage = SqliteStorage(path)
    try:
        return storage.load().groups
    finally:
        asyncio.run(storage.close())


def _read_file(path: str) -> list[PersistedGroup]:
    if not os.path.exists(path):
        raise PersistenceError(f"{path} does not exist")
    return _load_file(path)


async def _write_file(path: str, groups: list[PersistedGroup]) -> None:
    storage = SqliteStorage(path)
    try:
        storage.start(asyncio.get_running_loop(), _NoModel(), None)
        changes = [Change(group_key(labels), labels, dict(families), ()) for labels, families in groups]
        if changes:
            await storage.write(lambda: (None, changes))
    finally:
        await storage.close()


def _first_difference(written: list[PersistedGroup], read: list[PersistedGroup]) -> str | None:
    """What the file did not keep of `written` (compared as protobuf bytes), or None when `read` is the same store."""
    if [labels for labels, _ in read] != [labels for labels, _ in written]:
        return "the list of groups"
    for (labels, families), (_, kept) in zip(written, read, strict=True):
        if set(kept) != set(families):
            return f"the families of group {labels}"
        for name, stored in families.items():
            back = kept[name]
            if back.timestamp_ns != stored.timestamp_ns or encode_family(back.family) != encode_family(stored.family):
                return f"family {name!r} of group {labels}"
    return None


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
    directory = os.path.dirname(os.path.abspath(path))
    fd, partial = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".partial", dir=directory)
    os.close(fd)
    os.unlink(partial)  # SqliteStorage creates it (an empty file is not a database)
    try:
        asyncio.run(_write_file(partial, loaded.groups))
        lost = _first_difference(loaded.groups, _load_file(partial))
        if lost is not None:
            raise PersistenceError(
                f"{lost} would not come back from the persistence file as {where} holds it (the file's "
                "format keeps less: native histograms, float counts, exemplars, created timestamps or "
                "unknown fields); nothing was exported"
            )
        os.rename(partial, path)
    finally:
        for leftover in (partial, f"{partial}-wal", f"{partial}-shm"):
            if os.path.exists(leftover):
                os.unlink(leftover)
    return len(loaded.groups)
