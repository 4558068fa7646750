"""The durable wipe: one row changed at commit, wiped rows collected in small transactions, nothing live ever lost."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from bridge.gateway.service import Gateway
from bridge.gateway.storage.sqlite import SqliteStorage
from bridge.gateway.storage.sqlitefile import collect_some, has_garbage, open_database
from bridge.protocol.textparse import parse_text

REPO = Path(__file__).resolve().parents[5]


def rows(path: Path | str) -> tuple[int, int]:
    """(groups, families) rows in the file, live or not."""
    conn = sqlite3.connect(path)
    try:
        return (
            conn.execute("SELECT count(*) FROM groups").fetchone()[0],
            conn.execute("SELECT count(*) FROM families").fetchone()[0],
        )
    finally:
        conn.close()


async def until_collected(storage: SqliteStorage) -> None:
    for _ in range(2000):
        if not storage.collecting():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the wiped rows were never collected")


async def filled(path: Path, groups: int, *, fsync: bool = False) -> Gateway:
    gateway = Gateway(storage=SqliteStorage(str(path), fsync=fsync))
    gateway.load()
    gateway.start()
    await asyncio.gather(
        *(
            gateway.push({"job": "old", "instance": str(i)}, parse_text(b"a 1\nb 2\n"), replace=True)
            for i in range(groups)
        )
    )
    return gateway


@pytest.mark.parametrize("fsync", [False, True], ids=["committed-on-the-loop", "committed-by-the-writer"])
async def test_a_wipe_commits_one_row_and_its_rows_are_collected_later(tmp_path: Path, fsync: bool) -> None:
    path = tmp_path / "state.db"
    gateway = await filled(path, 300, fsync=fsync)
    storage = gateway.storage
    assert isinstance(storage, SqliteStorage)
    statements: list[str] = []
    storage._conn.set_trace_callback(statements.append)
    assert await gateway.wipe() == 300
    storage._conn.set_trace_callback(None)
    update = statements.index("UPDATE meta SET generation = generation + 1")
    assert statements[update - 1] == "BEGIN IMMEDIATE" and statements[update + 1] == "COMMIT", statements
    # The same labels as a wiped group, and a new group: rows of the new generation.
    assert (await gateway.push({"job": "old", "instance": "7"}, parse_text(b"a 5\n"), replace=True)).accepted
    assert (await gateway.push({"job": "new"}, parse_text(b"c 3\n"), replace=True)).accepted
    await until_collected(storage)
    assert rows(path) == (2, 6)  # each group: its family and the two timestamps
    state = gateway.api_metrics()
    await gateway.close()
    again = Gateway(storage=SqliteStorage(str(path)))
    assert again.load() == 2
    assert again.api_metrics() == state
    await again.close()


def _file_with_garbage(path: Path, wiped: int, live: int) -> sqlite3.Connection:
    conn = open_database(str(path))
    family = '[1,null,[[[["job","j"]],[0,1.0]]]]'
    for generation, count in ((0, wiped), (1, live)):
        for i in range(count):
            gid = conn.execute(
                "INSERT INTO groups (generation, labels) VALUES (?, ?)", (generation, json.dumps([["i", str(i)]]))
            ).lastrowid
            conn.executemany(
                "INSERT INTO families VALUES (?, ?, 1, ?)", [(gid, name, family) for name in ("x", "y", "z")]
            )
    conn.execute("UPDATE meta SET generation = 1")
    return conn


def test_collection_goes_a_bounded_batch_at_a_time_and_never_touches_the_live_groups(tmp_path: Path) -> None:
    conn = _file_with_garbage(tmp_path / "state.db", 100, 3)
    live = conn.execute("SELECT id FROM groups WHERE generation = 1 ORDER BY id").fetchall()
    batches = []
    while has_garbage(conn):
        batches.append(collect_some(conn, 7))
        assert conn.execute("SELECT id FROM groups WHERE generation = 1 ORDER BY id").fetchall() == live
        assert (
            conn.execute("SELECT count(*) FROM families WHERE group_id IN (SELECT id FROM groups)").fetchone()[0]
            == (conn.execute("SELECT count(*) FROM families").fetchone()[0])
        )
    assert batches == [7] * 14 + [2]
    assert collect_some(conn, 7) == 0
    assert conn.execute("SELECT count(*) FROM groups").fetchone()[0] == 3
    assert conn.execute("SELECT count(*) FROM families").fetchone()[0] == 9
    conn.close()


async def test_a_restart_loads_only_the_live_groups_and_finishes_collecting(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    _file_with_garbage(path, 200, 2).close()
    storage = SqliteStorage(str(path))
    assert storage.collecting()
    gateway = Gateway(storage=storage)
    assert gateway.load() == 2
    gateway.start()
    await until_collected(storage)
    await gateway.close()
    assert rows(path) == (2, 6)


async def test_collection_waits_while_the_checkpointer_writes_the_file(tmp_path: Path) -> None:
    # A batch next to a checkpoint's sync can wait for the disk with the connection lock held.
    path = tmp_path / "state.db"
    gateway = await filled(path, 200)
    storage = gateway.storage
    assert isinstance(storage, SqliteStorage)
    checkpointer = storage._checkpointer
    assert checkpointer is not None
    entered, release = threading.Event(), threading.Event()

    def checkpoint() -> tuple[int, int]:
        entered.set()
        release.wait()
        return 0, 0

    checkpointer.checkpoint = checkpoint  # type: ignore[method-assign]
    assert (await gateway.push({"job": "live"}, parse_text(b"a 1\n"), replace=True)).accepted  # wakes it
    for _ in range(500):
        if entered.is_set():
            break
        await asyncio.sleep(0.01)
    assert entered.is_set() and checkpointer.running
    assert await gateway.wipe() == 201
    assert (await gateway.push({"job": "after"}, parse_text(b"b 2\n"), replace=True)).accepted
    await asyncio.sleep(0.3)  # time enough for the writer to collect everything, were it not waiting
    assert storage.collecting() and rows(path)[0] == 202, "nothing is collected during a checkpoint"
    release.set()
    await until_collected(storage)
    await gateway.close()
    assert rows(path) == (1, 3)


async def test_collection_with_fsync_restores_full_synchronous_commits(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    gateway = await filled(path, 50, fsync=True)
    storage = gateway.storage
    assert isinstance(storage, SqliteStorage)
    assert await gateway.wipe() == 50
    await until_collected(storage)
    assert storage._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    await gateway.close()
    assert rows(path) == (0, 0)


async def test_a_collection_that_fails_leaves_the_live_store_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.db"
    gateway = await filled(path, 20)
    storage = gateway.storage
    assert isinstance(storage, SqliteStorage)
    storage._conn.execute("CREATE TRIGGER boom BEFORE DELETE ON groups BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    with caplog.at_level(logging.WARNING, logger="bridge.gateway"):
        assert await gateway.wipe() == 20
        await until_collected(storage)  # gave up
    assert "could not collect wiped rows; retrying at the next start" in caplog.messages
    assert (await gateway.push({"job": "after"}, parse_text(b"a 1\n"), replace=True)).accepted
    storage._conn.execute("DROP TRIGGER boom")
    await gateway.close()
    again = Gateway(storage=SqliteStorage(str(path)))
    assert again.load() == 1
    again.start()
    assert isinstance(again.storage, SqliteStorage)
    await until_collected(again.storage)
    await again.close()
    assert rows(path) == (1, 3)


# ------------------------------------------------------------------ SIGKILL while collecting
_KILLED_WHILE_COLLECTING = textwrap.dedent(
    """
    import asyncio, os, signal, sqlite3, sys, time
    state = {"slow": False, "armed": False}

    class Dying(sqlite3.Connection):
        def execute(self, sql, *args):
            if state["slow"] and sql.startswith("DELETE FROM families WHERE group_id IN"):
                time.sleep(0.02)  # a slow disk: collection stays behind the pushes
            if state["armed"] and sql.startswith("DELETE FROM groups WHERE id IN"):
                os.kill(os.getpid(), signal.SIGKILL)  # families of this batch deleted, not committed
            return super().execute(sql, *args)

    connect = sqlite3.connect
    sqlite3.connect = lambda *a, **kw: connect(*a, factory=Dying, **kw)
    from bridge.gateway.service import Gateway
    from bridge.gateway.storage.sqlite import SqliteStorage
    from bridge.protocol.textparse import parse_text

    async def main():
        gateway = Gateway(storage=SqliteStorage(sys.argv[1]))
        gateway.load()
        gateway.start()
        await asyncio.gather(*(
            gateway.push({"job": "old", "instance": str(i)}, parse_text(b"a 1\\n"), replace=True) for i in range(1000)
        ))
        state["slow"] = True
        assert await gateway.wipe() == 1000
        for i in range(30):
            labels = {"job": "old" if i % 2 else "new", "instance": str(i)}
            assert (await gateway.push(labels, parse_text(b"a %d\\n" % (100 + i)), replace=True)).accepted
            print(labels["job"], labels["instance"], 100 + i, flush=True)
        state["armed"] = True
        await asyncio.sleep(30)

    asyncio.run(main())
    """
)


@pytest.mark.slow
async def test_sigkill_while_collecting_loses_nothing_acknowledged(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    result = subprocess.run(
        [sys.executable, "-c", _KILLED_WHILE_COLLECTING, str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == -9, result.stderr
    acked = {(job, instance): value for job, instance, value in (line.split() for line in result.stdout.splitlines())}
    assert len(acked) == 30
    storage = SqliteStorage(str(path))
    assert storage.collecting(), "collection had finished before the kill: the test proved nothing"
    gateway = Gateway(storage=storage)
    assert gateway.load() == 30
    for (job, instance), value in acked.items():
        group = gateway.group({"job": job, "instance": instance})
        assert group is not None, (job, instance)
        assert group.families["a"].family.metrics[0].untyped == float(value)
    gateway.start()
    await until_collected(storage)
    await gateway.close()
    assert rows(path) == (30, 90)
