"""SQLite persistence: refusal of files that are not ours, exact restore, failure reload, wipes."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from bridge.errors import PersistenceError
from bridge.gateway.service import Gateway
from bridge.gateway.storage import sqlitewrite
from bridge.gateway.storage.checkpointer import RESET_FRAMES, Checkpointer
from bridge.gateway.storage.interface import Reset
from bridge.gateway.storage.sqlite import SqliteStorage
from bridge.protocol.textparse import parse_text


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda p: p.write_bytes(b"garbage, maybe a gob file"), "not a pgw-bridge persistence file"),
        (lambda p: sqlite3.connect(p).execute("CREATE TABLE other (x)").connection.commit(), "another application"),
    ],
)
def test_foreign_files_are_refused_and_untouched(tmp_path: Path, prepare: object, message: str) -> None:
    path = tmp_path / "state.db"
    prepare(path)  # type: ignore[operator]
    before = path.read_bytes()
    with pytest.raises(PersistenceError, match=message):
        SqliteStorage(str(path))
    assert path.read_bytes() == before


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    SqliteStorage(str(path))._conn.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(PersistenceError, match="newer than this pgw-bridge"):
        SqliteStorage(str(path))


def test_corrupt_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    storage = SqliteStorage(str(path))
    storage._conn.execute("INSERT INTO groups (generation, labels) VALUES (0, '[]')")
    storage._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    storage._conn.close()
    data = bytearray(path.read_bytes())
    data[100:400] = b"\xff" * 300  # the schema page
    path.write_bytes(bytes(data))
    with pytest.raises(PersistenceError, match="corrupt"):
        SqliteStorage(str(path))


async def test_restart_restores_exactly(tmp_path: Path) -> None:
    path = str(tmp_path / "state.db")
    gateway = Gateway(storage=SqliteStorage(path))
    gateway.start()
    await gateway.push(
        {"job": "a", "instance": ""},
        parse_text(b'# HELP x h\\nelp\n# TYPE x counter\nx{z="2"} 1\nx{z="1"} 2\n'),
        replace=True,
    )
    await gateway.push({"job": "a", "instance": ""}, parse_text(b"x 1 5\n"), replace=True)
    await gateway.push(
        {"job": "h"}, parse_text(b'# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 2\nh_count 3\n'), replace=False
    )
    await gateway.push({"job": "gone"}, parse_text(b"g 1\n"), replace=True)
    await gateway.delete({"job": "gone"})
    before = gateway.api_metrics()
    await gateway.close()

    again = Gateway(storage=SqliteStorage(path))
    again.load()
    assert again.api_metrics() == before
    assert again.metrics_text().split(b"# HELP process")[0] == gateway.metrics_text().split(b"# HELP process")[0]


_REPLACE = "INSERT OR REPLACE INTO families (group_id, name, timestamp_ns, data) VALUES (?, ?, ?, ?)"


@pytest.mark.parametrize("statement", ["upsert", "replace"])
async def test_a_rewritten_family_leaves_one_row_with_the_new_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, statement: str
) -> None:
    # Both ways of writing a family's row (an upsert on SQLite 3.24+, REPLACE before it).
    if statement == "replace":
        monkeypatch.setattr(sqlitewrite, "_WRITE_FAMILY", _REPLACE)
    else:
        assert "ON CONFLICT" in sqlitewrite._WRITE_FAMILY  # this machine's SQLite has upserts
    path = str(tmp_path / "state.db")
    gateway = Gateway(storage=SqliteStorage(path))
    gateway.start()
    group = {"job": "a", "instance": "i"}
    await gateway.push(group, parse_text(b"# TYPE x counter\nx 1\ny 2\n"), replace=True)
    await gateway.push(group, parse_text(b"# TYPE x counter\nx 3\nz 4\n"), replace=False)
    await gateway.push({"job": "b"}, parse_text(b"# TYPE x counter\nx 5\n"), replace=True)
    before = gateway.api_metrics()
    await gateway.close()

    conn = sqlite3.connect(path)
    names = sorted(conn.execute("SELECT g.labels, f.name FROM families f JOIN groups g ON g.id = f.group_id"))
    conn.close()
    a, b = '[["instance","i"],["job","a"]]', '[["job","b"]]'
    stamps = ["push_failure_time_seconds", "push_time_seconds"]
    assert names == [(a, n) for n in [*stamps, "x", "y", "z"]] + [(b, n) for n in [*stamps, "x"]]
    again = Gateway(storage=SqliteStorage(path))
    again.load()
    assert again.api_metrics() == before
    assert b'\nx{instance="i",job="a"} 3\n' in again.metrics_text()


def _traced(storage: SqliteStorage) -> list[tuple[str, str]]:
    """(thread name, statement) of every statement the storage's connection runs from now on."""
    seen: list[tuple[str, str]] = []
    storage._conn.set_trace_callback(lambda sql: seen.append((threading.current_thread().name, sql)))
    return seen


@pytest.mark.parametrize(("fsync", "thread"), [(False, "MainThread"), (True, "pgw-persistence")])
async def test_the_writes_of_one_pass_of_the_loop_share_one_transaction(
    tmp_path: Path, fsync: bool, thread: str
) -> None:
    # Without fsync a commit only writes the WAL: it runs on the loop's thread, once for every
    # write decided in the same pass; with fsync it is the writer thread's (it would hold the loop).
    storage = SqliteStorage(str(tmp_path / "state.db"), fsync=fsync)
    gateway = Gateway(storage=storage)
    gateway.start()
    assert (await gateway.push({"job": "first"}, parse_text(b"x 1\n"), replace=True)).accepted
    seen = _traced(storage)
    pushes = [gateway.push({"job": f"j{i}"}, parse_text(b"x 1\n"), replace=True) for i in range(5)]
    assert all(verdict.accepted for verdict in await asyncio.gather(*pushes))
    storage._conn.set_trace_callback(None)
    assert threading.current_thread().name == "MainThread"
    assert [name for name, sql in seen if sql.startswith("BEGIN")] == [thread], seen
    await gateway.close()
    assert len(SqliteStorage(str(tmp_path / "state.db")).load().groups) == 6


async def test_writes_wait_for_the_writer_thread_while_it_holds_the_connection(tmp_path: Path) -> None:
    # The writer thread holds the connection to collect a wipe's rows or settle the WAL: the
    # writes of a pass go to it, and the writes after them queue behind, in order.
    storage = SqliteStorage(str(tmp_path / "state.db"))
    gateway = Gateway(storage=storage)
    gateway.start()
    start = storage.load().position
    seen = _traced(storage)
    storage._lock.acquire()
    try:
        first = asyncio.ensure_future(gateway.push({"job": "a"}, parse_text(b"x 1\n"), replace=True))
        await asyncio.sleep(0.01)  # its pass is over and its commit found the connection taken
        second = asyncio.ensure_future(gateway.push({"job": "b"}, parse_text(b"x 2\n"), replace=True))
        await asyncio.sleep(0.01)
        assert not first.done() and not second.done()
    finally:
        storage._lock.release()
    assert (await first).accepted and (await second).accepted
    storage._conn.set_trace_callback(None)
    assert {name for name, sql in seen if sql.startswith("BEGIN")} == {"pgw-persistence"}, seen
    feed = await storage.changes_after(start)
    assert not isinstance(feed, Reset)
    assert [dict(committed.changes[0].labels) for committed in feed] == [{"job": "a"}, {"job": "b"}]
    await gateway.close()


@pytest.mark.parametrize("fsync", [False, True], ids=["committed-on-the-loop", "committed-by-the-writer"])
async def test_failed_commit_reloads_the_store_from_the_file(tmp_path: Path, fsync: bool) -> None:
    path = str(tmp_path / "state.db")
    storage = SqliteStorage(path, fsync=fsync)
    gateway = Gateway(storage=storage)
    gateway.start()
    await gateway.push({"job": "kept"}, parse_text(b"x 1\n"), replace=True)
    # Make the next commit fail inside SQLite.
    storage._conn.execute(
        "CREATE TRIGGER boom BEFORE INSERT ON families BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
    )
    with pytest.raises(PersistenceError, match="disk says no"):
        await gateway.push({"job": "lost"}, parse_text(b"y 1\n"), replace=True)
    await asyncio.sleep(0.05)
    assert [dict(g.labels) for g in gateway.store.groups.values()] == [{"job": "kept"}]
    storage._conn.execute("DROP TRIGGER boom")
    await gateway.push({"job": "later"}, parse_text(b"z 1\n"), replace=True)
    await gateway.close()
    assert [labels for labels, _ in SqliteStorage(path).load().groups] == [{"job": "kept"}, {"job": "later"}]


async def test_wipe_is_one_change_and_survives_a_restart(tmp_path: Path) -> None:
    path = str(tmp_path / "state.db")
    gateway = Gateway(storage=SqliteStorage(path))
    gateway.start()
    for i in range(50):
        await gateway.push({"job": "a", "instance": str(i)}, parse_text(b"x 1\n"), replace=True)
    assert await gateway.wipe() == 50
    assert gateway.store.groups == {} and gateway.store.names == {}
    assert gateway.metrics_text().count(b"\nx{") == 0
    assert gateway.api_metrics() == b'{"status":"success","data":[]}'
    await gateway.push({"job": "b"}, parse_text(b"x 2\n"), replace=True)
    await gateway.close()
    restored = SqliteStorage(path).load().groups
    assert [labels for labels, _ in restored] == [{"job": "b"}]


@pytest.mark.parametrize("fsync", [False, True], ids=["committed-on-the-loop", "committed-by-the-writer"])
async def test_a_failed_wipe_rolls_back_and_the_store_comes_back(tmp_path: Path, fsync: bool) -> None:
    # A wipe moves to a new generation inside its transaction: a failure must undo that, and the
    # writer's map of group ids with it (the next push to an old group updates its row).
    path = str(tmp_path / "state.db")
    storage = SqliteStorage(path, fsync=fsync)
    gateway = Gateway(storage=storage)
    gateway.start()
    for i in range(3):
        await gateway.push({"job": "a", "instance": str(i)}, parse_text(b"x 1\n"), replace=True)
    storage._conn.execute("CREATE TRIGGER boom BEFORE UPDATE ON meta BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    with pytest.raises(PersistenceError, match="disk says no"):
        await gateway.wipe()
    await asyncio.sleep(0.05)
    assert sorted(g.labels["instance"] for g in gateway.store.groups.values()) == ["0", "1", "2"]
    assert gateway.metrics_text().count(b"\nx{") == 3
    storage._conn.execute("DROP TRIGGER boom")
    await gateway.push({"job": "a", "instance": "0"}, parse_text(b"x 2\n"), replace=True)
    assert not storage.collecting()
    await gateway.close()
    again = SqliteStorage(path)
    assert len(again.load().groups) == 3
    assert again._conn.execute("SELECT count(*) FROM groups").fetchone()[0] == 3


async def test_a_failed_commit_is_a_500_that_says_why(tmp_path: Path) -> None:
    import httpx

    from bridge.gateway.web.app import GatewayApp

    storage = SqliteStorage(str(tmp_path / "state.db"))
    gateway = Gateway(storage=storage)
    gateway.start()
    app = GatewayApp(gateway)
    storage._conn.execute(
        "CREATE TRIGGER boom BEFORE INSERT ON families BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        response = await client.put("/metrics/job/a", content=b"x 1\n")
    assert response.status_code == 500
    assert "could not persist the write" in response.text and "disk says no" in response.text
    assert gateway.store.groups == {}
    storage._conn.execute("DROP TRIGGER boom")
    await gateway.close()


async def test_commits_leave_checkpoints_to_their_own_thread(tmp_path: Path) -> None:
    path = str(tmp_path / "state.db")
    storage = SqliteStorage(path)
    gateway = Gateway(storage=storage)
    gateway.start()
    # No commit runs a checkpoint inside itself (a push would pay for copying the WAL back).
    assert storage._conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    checkpointer = storage._checkpointer
    assert checkpointer is not None
    for i in range(20):
        await gateway.push({"job": "a", "instance": str(i)}, parse_text(b"x 1\n"), replace=True)
    for _ in range(500):
        if checkpointer.checkpoints:
            break
        await asyncio.sleep(0.01)
    assert checkpointer.checkpoints, "the checkpointer never ran"
    frames, done = checkpointer.checkpoint()
    assert frames == done
    await gateway.close()
    wal = Path(path + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_a_wal_that_does_not_restart_gets_one_checkpoint_from_the_writer(tmp_path: Path) -> None:
    # Under a steady load a commit lands during nearly every background checkpoint, and SQLite
    # restarts the WAL only after one that left nothing behind: the writer then finishes one.
    path = str(tmp_path / "state.db")
    SqliteStorage(path)._conn.close()
    checkpointer = Checkpointer(path)
    ran: list[str] = []

    class Writer:
        def execute(self, sql: str) -> None:
            ran.append(sql)

    writer: Any = Writer()
    checkpointer.frames = RESET_FRAMES
    checkpointer.settle(writer)
    assert ran == []
    checkpointer.frames = RESET_FRAMES + 1
    checkpointer.settle(writer)
    assert ran == ["PRAGMA wal_checkpoint(PASSIVE)"]
    checkpointer.settle(writer)  # once: the next background checkpoint measures the WAL again
    assert len(ran) == 1
    checkpointer.close()


async def test_a_commit_in_place_leaves_settling_the_wal_to_the_writer_thread(tmp_path: Path) -> None:
    # The settling checkpoint runs under the lock and may wait for the disk: never on the event loop.
    path = str(tmp_path / "state.db")
    storage = SqliteStorage(path)
    gateway = Gateway(storage=storage)
    gateway.start()
    checkpointer = storage._checkpointer
    assert checkpointer is not None
    settled: list[str] = []
    settle = checkpointer.settle

    def spy(writer: sqlite3.Connection) -> None:
        if checkpointer.settle_due():
            settled.append(threading.current_thread().name)
        settle(writer)

    checkpointer.settle = spy  # type: ignore[method-assign]
    committed: list[bool] = []
    write = storage._write

    def in_place(batches: Any, **settle: bool) -> bool:
        committed.append(settle.get("settle", True))
        return write(batches, **settle)

    storage._write = in_place  # type: ignore[method-assign]
    checkpointer.frames = RESET_FRAMES + 1  # as if the background checkpoints left the WAL unrestarted
    await gateway.push({"job": "a"}, parse_text(b"x 1\n"), replace=True)
    assert committed == [False], "a push is committed on the loop, without settling"
    for _ in range(500):
        if settled:
            break
        await asyncio.sleep(0.01)
    assert settled == ["pgw-persistence"]
    await gateway.close()
    reopened = SqliteStorage(path)
    assert [labels for labels, _ in reopened.load().groups] == [{"job": "a"}]
    reopened._conn.close()
