"""The tables in PostgreSQL: created on first use, checked on every start, read whole to load a model.

    pgw_meta      one row: who owns the tables (application, schema version, family codec), the
                  history name, and `seq`, the number of writes committed: every write
                  transaction locks this row (FOR UPDATE), which is the one write lock of all
                  replicas, and moves `seq` on by the writes it commits (gapless)
    pgw_groups    a group per row: its labels (the key) and `ord`, its creation order
    pgw_families  a family per row: group labels, name (as bytes), arrival time, the family's bytes
    pgw_changes   the change feed: one row per committed write, by `seq` (pruned to the newest)

Tables of another application, or a newer schema or another family codec, are refused with a
clear error and never touched. Creation takes an advisory lock, so replicas starting together
on an empty database create the tables once.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

from bridge.errors import PersistenceError
from bridge.gateway.storage.interface import Loaded, PersistedGroup, Position
from bridge.gateway.storage.postgres.codec import FAMILY_CODEC, decode_family, labels_from_text, name_from_key
from bridge.gateway.store.types import StoredFamily

APPLICATION = "pgw-bridge"
SCHEMA_VERSION = 1
NOTIFY_CHANNEL = "pgw_changes"
CREATE_LOCK = 0x7067_7762_0000_0001  # advisory lock keys: "pgwb" and a number
EXPIRY_LOCK = 0x7067_7762_0000_0002

_DDL = (
    """CREATE TABLE IF NOT EXISTS pgw_meta (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        application text NOT NULL,
        schema_version integer NOT NULL,
        family_codec text NOT NULL,
        history text NOT NULL,
        seq bigint NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS pgw_groups (
        labels text PRIMARY KEY,
        ord bigint GENERATED ALWAYS AS IDENTITY UNIQUE
    )""",
    """CREATE TABLE IF NOT EXISTS pgw_families (
        labels text NOT NULL REFERENCES pgw_groups (labels) ON DELETE CASCADE,
        name bytea NOT NULL,
        timestamp_ns bigint NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (labels, name)
    )""",
    """CREATE TABLE IF NOT EXISTS pgw_changes (
        seq bigint PRIMARY KEY,
        origin text NOT NULL,
        committed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        doc text NOT NULL,
        families bytea[] NOT NULL
    )""",
)


def new_history() -> str:
    """A fresh history name (a new database, or one whose content was replaced by an import)."""
    return secrets.token_hex(8)


def _check_meta(row: Any, where: str) -> None:
    application, version, codec = row
    if application != APPLICATION:
        raise PersistenceError(f"{where} holds pgw_meta of another application ({application!r}); refusing to touch it")
    if version > SCHEMA_VERSION:
        raise PersistenceError(
            f"{where} has pgw-bridge schema version {version}, newer than this pgw-bridge understands "
            f"({SCHEMA_VERSION}); upgrade pgw-bridge"
        )
    if codec != FAMILY_CODEC:
        raise PersistenceError(
            f"{where} stores families as {codec!r}, this pgw-bridge writes {FAMILY_CODEC!r}; "
            "move the store with `pgw-bridge storage export` / `import`"
        )


def ensure(conn: Any, where: str) -> None:
    """Create the tables if missing, then check they are ours (a psycopg sync connection, autocommit).

    Raises:
        PersistenceError: the tables belong to another application, a newer schema or another codec.

    """
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (CREATE_LOCK,))
        exists = conn.execute("SELECT to_regclass('pgw_meta') IS NOT NULL").fetchone()[0]
        if not exists:
            for statement in _DDL:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO pgw_meta (application, schema_version, family_codec, history, seq) VALUES (%s, %s, %s, %s, 0)",
                (APPLICATION, SCHEMA_VERSION, FAMILY_CODEC, new_history()),
            )
        try:
            row = conn.execute("SELECT application, schema_version, family_codec FROM pgw_meta").fetchone()
        except Exception as exc:
            raise PersistenceError(f"{where} has a pgw_meta table this pgw-bridge cannot read: {exc}") from None
        if row is None:
            raise PersistenceError(f"{where} has an empty pgw_meta table; refusing to guess what it holds")
        _check_meta(row, where)


LOAD_META = "SELECT history, seq FROM pgw_meta"
LOAD_GROUPS = (
    "SELECT g.labels, f.name, f.timestamp_ns, f.data FROM pgw_groups g "
    "LEFT JOIN pgw_families f ON f.labels = g.labels ORDER BY g.ord, f.name"
)


def groups_from_rows(rows: Iterator[tuple[str, bytes | None, int | None, bytes | None]]) -> list[PersistedGroup]:
    """Rows of `LOAD_GROUPS` (ordered by group) → groups as committed.

    Raises:
        PersistenceError: a row that cannot be decoded.

    """
    groups: list[PersistedGroup] = []
    current: str | None = None
    families: dict[str, StoredFamily] = {}
    for labels, key, timestamp_ns, data in rows:
        if labels != current:
            current = labels
            families = {}
            groups.append((labels_from_text(labels), families))
        if key is not None and timestamp_ns is not None and data is not None:
            name = name_from_key(key)
            families[name] = StoredFamily(decode_family(name, data), timestamp_ns)
    return groups


def load(conn: Any) -> Loaded:
    """Everything committed, in one snapshot (a psycopg sync connection, autocommit).

    Raises:
        PersistenceError: a row that cannot be decoded.

    """
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        history, seq = conn.execute(LOAD_META).fetchone()
        with conn.cursor(name="pgw_load") as cursor:
            cursor.itersize = 5000
            cursor.execute(LOAD_GROUPS)
            groups = groups_from_rows(iter(cursor))
    return Loaded(groups, Position(history, seq))


async def load_async(conn: Any) -> Loaded:
    """`load` on an async connection (a reload while serving; on a connection of its own, so it may run under the write lock)."""
    async with conn.transaction():
        await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        history, seq = await (await conn.execute(LOAD_META)).fetchone()
        rows = await (await conn.execute(LOAD_GROUPS)).fetchall()
    return Loaded(groups_from_rows(iter(rows)), Position(history, seq))
