"""Schema v1 → v2 in place: on a file the v1 code wrote, atomically (SIGKILL at every step), refusing what is not v1."""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from bridge.errors import PersistenceError
from bridge.gateway.service import Gateway
from bridge.gateway.storage.sqlite import SqliteStorage
from bridge.gateway.storage.sqlitefile import SCHEMA_VERSION
from bridge.protocol.model import Histogram, Metric, MetricFamily, Summary
from bridge.protocol.textparse import parse_text
from tests.unit.bridge.gateway.storage.fixtures.neutral import groups_as_plain, plain

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[5]
EXPECTED: list[dict[str, Any]] = json.loads((FIXTURES / "v1.expected.json").read_text())


def v1_copy(tmp_path: Path) -> Path:
    path = tmp_path / "state.db"
    shutil.copy(FIXTURES / "v1.sqlite", path)
    return path


def version_of(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        value: int = conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()
    return value


_NESTED: dict[str, type] = {"metrics": Metric, "summary": Summary, "histogram": Histogram}


def _defaults(cls: type) -> dict[str, Any]:
    """The plain form of each field of `cls` that has a default."""
    found = {}
    for field in dataclasses.fields(cls):
        if field.default is not dataclasses.MISSING:
            found[field.name] = plain(field.default)
        elif field.default_factory is not dataclasses.MISSING:
            found[field.name] = plain(field.default_factory())
    return found


def _covers(expected: Any, actual: Any, cls: type | None) -> bool:
    """`actual` (plain form) holds all of `expected`; fields the model grew since v1 hold their defaults."""
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(_covers(e, a, cls) for e, a in zip(expected, actual, strict=True))
    if isinstance(expected, dict) and isinstance(actual, dict) and cls is not None:
        default = _defaults(cls)
        grown = set(actual) - set(expected)
        return (
            set(expected) <= set(actual)
            and all(k in default and actual[k] == default[k] for k in grown)
            and all(_covers(v, actual[k], _NESTED.get(k)) for k, v in expected.items())
        )
    return bool(expected == actual)


def assert_loads_as_v1_did(groups: list[Any]) -> None:
    actual = groups_as_plain(groups)
    assert [g["labels"] for g in actual] == [g["labels"] for g in EXPECTED]
    for want, got in zip(EXPECTED, actual, strict=True):
        assert [n for n, _ in got["families"]] == [n for n, _ in want["families"]], want["labels"]
        for (name, stored_want), (_, stored_got) in zip(want["families"], got["families"], strict=True):
            assert stored_got["timestamp_ns"] == stored_want["timestamp_ns"], (want["labels"], name)
            assert _covers(stored_want["family"], stored_got["family"], MetricFamily), (want["labels"], name)


# ------------------------------------------------------------------ the file v1 wrote
def test_the_v1_fixture_is_what_it_claims() -> None:
    conn = sqlite3.connect(f"file:{FIXTURES / 'v1.sqlite'}?mode=ro", uri=True)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")} == {"groups", "families"}
    conn.close()
    assert len(EXPECTED) == 5
    assert any(name == "fx_empty" for g in EXPECTED for name, _ in g["families"])


def test_a_v1_file_is_migrated_in_place_and_loads_exactly(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = v1_copy(tmp_path)
    with caplog.at_level(logging.INFO, logger="bridge.gateway"):
        storage = SqliteStorage(str(path))
    assert [r.message for r in caplog.records] == ["migrated the persistence file to the current schema"]
    assert caplog.records[0].kv["groups"] == 5  # type: ignore[attr-defined]
    assert version_of(path) == SCHEMA_VERSION
    assert_loads_as_v1_did(storage.load().groups)
    storage._conn.close()


async def test_a_migrated_file_takes_writes_and_wipes(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = v1_copy(tmp_path)
    gateway = Gateway(storage=SqliteStorage(str(path)))
    assert gateway.load() == 5
    gateway.start()
    # A group v1 wrote (its id comes from v1's rows), a new one, then a wipe and a group after it.
    assert (await gateway.push({"job": "then_failed"}, parse_text(b"fx_then_failed 6\n"), replace=False)).accepted
    assert (await gateway.push({"job": "new"}, parse_text(b"fx_new 1\n"), replace=True)).accepted
    before = gateway.api_metrics()
    await gateway.close()

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bridge.gateway"):
        again = Gateway(storage=SqliteStorage(str(path)))
    assert caplog.records == [], "a v2 file was migrated again"
    assert again.load() == 6
    assert again.api_metrics() == before
    again.start()
    assert await again.wipe() == 6
    assert (await again.push({"job": "new"}, parse_text(b"fx_new 2\n"), replace=True)).accepted
    await again.close()
    third = SqliteStorage(str(path))
    assert [labels for labels, _ in third.load().groups] == [{"job": "new"}]
    third._conn.close()


# ------------------------------------------------------------------ atomic
_DIE_AT_STATEMENT = textwrap.dedent(
    """
    import os, signal, sqlite3, sys
    from bridge.gateway.storage import sqlitefile, sqlitemigrate

    target = int(sys.argv[2])
    seen = 0

    class Dying(sqlite3.Connection):
        armed = False

        def execute(self, *args):
            global seen
            if self.armed:
                if seen == target:
                    os.kill(os.getpid(), signal.SIGKILL)
                seen += 1
            return super().execute(*args)

    connect = sqlite3.connect
    sqlite3.connect = lambda *a, **kw: connect(*a, factory=Dying, **kw)
    migrate = sqlitemigrate.migrate_v1

    def dying_migration(conn):
        conn.armed = True
        try:
            groups = migrate(conn)
        finally:
            conn.armed = False
        if seen == target:  # right after the commit
            os.kill(os.getpid(), signal.SIGKILL)
        return groups

    sqlitefile.migrate_v1 = dying_migration
    from bridge.gateway.storage.sqlite import SqliteStorage
    SqliteStorage(sys.argv[1])
    print(seen)
    """
)


@pytest.mark.slow
def test_sigkill_at_any_step_of_the_migration_leaves_v1_or_a_complete_v2(tmp_path: Path) -> None:
    statements = None
    seen_versions = []
    for target in range(40):
        run = tmp_path / f"run{target}"
        run.mkdir()
        path = v1_copy(run)
        result = subprocess.run(
            [sys.executable, "-c", _DIE_AT_STATEMENT, str(path), str(target)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if result.returncode == 0:
            statements = int(result.stdout)  # the migration's statements; one more target was a kill after them
            assert target == statements + 1
        else:
            assert result.returncode == -9, result.stderr
        version = version_of(path)
        seen_versions.append(version)
        tables = sqlite3.connect(f"file:{path}?mode=ro", uri=True).execute("SELECT name FROM sqlite_master").fetchall()
        names = {name for (name,) in tables}
        assert names >= {"groups", "families"} and "groups_v2" not in names, (target, names)
        assert ("meta" in names) == (version == 2), (target, names)
        # Whatever the crash left opens (migrating now if it is still v1) and loads as v1 loaded it.
        storage = SqliteStorage(str(path))
        assert_loads_as_v1_did(storage.load().groups)
        storage._conn.close()
        assert version_of(path) == 2
        if statements is not None:
            break
    assert statements is not None, "the migration never completed"
    assert seen_versions[:statements] == [1] * statements, "a crash before the commit left a v2 file"
    assert seen_versions[statements] == 2, "a crash right after the commit left a v1 file"


def test_a_failed_migration_changes_nothing(tmp_path: Path) -> None:
    path = v1_copy(tmp_path)
    conn = sqlite3.connect(path)
    # A view on `groups` makes the rename inside the migration fail (after the drop).
    conn.execute("CREATE VIEW group_labels AS SELECT labels FROM groups")
    conn.commit()
    conn.close()
    with pytest.raises(PersistenceError, match=r"cannot migrate .* from schema 1 .*the file is unchanged"):
        SqliteStorage(str(path))
    assert version_of(path) == 1
    conn = sqlite3.connect(path)
    assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")} == {"groups", "families"}
    assert conn.execute("SELECT count(*) FROM groups").fetchone()[0] == 5
    conn.execute("DROP VIEW group_labels")
    conn.commit()
    conn.close()
    storage = SqliteStorage(str(path))
    assert_loads_as_v1_did(storage.load().groups)
    storage._conn.close()


# ------------------------------------------------------------------ refused
def test_a_v1_file_whose_tables_are_not_v1s_is_refused_untouched(tmp_path: Path) -> None:
    path = v1_copy(tmp_path)
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE groups ADD COLUMN owner TEXT")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(PersistenceError, match=r"cannot be migrated from schema 1 .*table groups has columns"):
        SqliteStorage(str(path))
    assert path.read_bytes() == before


def test_schema_version_0_of_ours_is_refused(tmp_path: Path) -> None:
    path = v1_copy(tmp_path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 0")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(PersistenceError, match="schema version 0, which no pgw-bridge wrote"):
        SqliteStorage(str(path))
    assert path.read_bytes() == before


def test_a_file_newer_than_this_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    SqliteStorage(str(path))._conn.close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(PersistenceError, match=f"schema version {SCHEMA_VERSION + 1}, newer than .*upgrade"):
        SqliteStorage(str(path))
    assert path.read_bytes() == before
