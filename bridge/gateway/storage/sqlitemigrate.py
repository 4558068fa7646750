"""In-place migration of a schema-v1 persistence file to v2, in one transaction.

v1 had `groups (id, labels UNIQUE)` and `families` as v2 has it; every v1 family row is a valid
v2 row (`rowcodec` reads v1's JSON unchanged). So the migration adds `meta` (generation 0),
rebuilds `groups` with a generation column and labels unique per generation (SQLite cannot
drop a UNIQUE constraint in place: a new table, the rows copied by id, the old one dropped,
the new one renamed), checks the foreign keys, and sets the version: all in one transaction,
so a crash at any moment leaves either the v1 file as it was or a complete v2 file. It costs
one copy of the `groups` table; the families, by far the bulk, are not touched.
"""

from __future__ import annotations

import sqlite3

from bridge.errors import PersistenceError

_V1_COLUMNS = {
    "groups": ["id", "labels"],
    "families": ["group_id", "name", "timestamp_ns", "data"],
}
_STATEMENTS = (
    "CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL)",
    "INSERT INTO meta (id, generation) VALUES (1, 0)",
    """CREATE TABLE groups_v2 (
    id INTEGER PRIMARY KEY,
    generation INTEGER NOT NULL,
    labels TEXT NOT NULL,
    UNIQUE (generation, labels)
)""",
    "INSERT INTO groups_v2 (id, generation, labels) SELECT id, 0, labels FROM groups ORDER BY id",
    "DROP TABLE groups",
    "ALTER TABLE groups_v2 RENAME TO groups",
)


def _check_v1(conn: sqlite3.Connection) -> None:
    for table, columns in _V1_COLUMNS.items():
        found = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        if found != columns:
            raise PersistenceError(f"schema version 1 but table {table} has columns {found}, not {columns}")


def migrate_v1(conn: sqlite3.Connection) -> int:
    """Migrate a v1 file in place (foreign keys must be off); how many groups it holds.

    Raises:
        PersistenceError: the file says v1 but its tables are not v1's, or its rows break a
            foreign key; nothing is changed.
        sqlite3.Error: the migration could not be committed; nothing is changed.

    """
    _check_v1(conn)
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in _STATEMENTS:
            conn.execute(statement)
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise PersistenceError(f"{len(broken)} family rows belong to no group")
        conn.execute("PRAGMA user_version = 2")
        groups: int = conn.execute("SELECT count(*) FROM groups").fetchone()[0]
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return groups
