"""The storage contract (`bridge.gateway.storage.interface`), one suite for every implementation.

A storage joins by adding its harness to `HARNESSES` (PostgreSQL: the session's private cluster
and a fresh database per test). Each harness says what it can do: keep writes across a reopen
(`durable`), and fail a commit on purpose (`can_fail`).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bridge.errors import PersistenceError
from bridge.gateway.service import Gateway
from bridge.gateway.storage.interface import Committed, Decision, Position, Reset, Storage
from bridge.gateway.storage.memory import MemoryStorage
from bridge.gateway.storage.sqlite import SqliteStorage
from bridge.protocol.textparse import parse_text
from tests.support.fake_storage import FakeDisk, FakeStorage

NOW = 1_700_000_000_000_000_000
BOOM = "CREATE TRIGGER boom BEFORE INSERT ON families BEGIN SELECT RAISE(ABORT, 'disk says no'); END"


class MemoryHarness:
    name = "memory"
    durable = False
    can_fail = False

    def __init__(self, tmp_path: Path) -> None:
        pass

    def open(self) -> Storage:
        return MemoryStorage()


class SqliteHarness:
    name = "sqlite"
    durable = True
    can_fail = True

    def __init__(self, tmp_path: Path) -> None:
        self.path = str(tmp_path / "state.db")

    def open(self) -> Storage:
        return SqliteStorage(self.path)

    def break_commits(self, storage: Any) -> None:
        storage._conn.execute(BOOM)

    def mend_commits(self, storage: Any) -> None:
        storage._conn.execute("DROP TRIGGER boom")


class SqliteFsyncHarness(SqliteHarness):
    """With fsync every commit goes through the writer thread (without it, through the loop)."""

    name = "sqlite-fsync"

    def open(self) -> Storage:
        return SqliteStorage(self.path, fsync=True)


class FakeHarness:
    name = "fake"
    durable = True
    can_fail = True

    def __init__(self, tmp_path: Path) -> None:
        self.disk = FakeDisk()

    def open(self) -> Storage:
        return FakeStorage(self.disk)

    def break_commits(self, storage: Any) -> None:
        storage.fail_commits = "disk says no"

    def mend_commits(self, storage: Any) -> None:
        storage.fail_commits = None


PG_BOOM = (
    "CREATE FUNCTION pgw_boom() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'disk says no'; END$$;"
    "CREATE TRIGGER boom BEFORE INSERT OR UPDATE ON pgw_families FOR EACH ROW EXECUTE FUNCTION pgw_boom()"
)


class PostgresHarness:
    name = "postgres"
    durable = True
    can_fail = True

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn

    def open(self) -> Storage:
        from bridge.gateway.storage.postgres.storage import PostgresStorage

        return PostgresStorage(self.dsn, timeout=10, poll_interval=0.2)

    def _sql(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(statement)

    def break_commits(self, storage: Any) -> None:
        self._sql(PG_BOOM)

    def mend_commits(self, storage: Any) -> None:
        self._sql("DROP TRIGGER boom ON pgw_families")


HARNESSES: list[Any] = [MemoryHarness, SqliteHarness, SqliteFsyncHarness, FakeHarness, PostgresHarness]


def storages(*, durable: bool = False, can_fail: bool = False) -> pytest.MarkDecorator:
    """Run the test once per harness that has the capabilities asked for."""
    chosen = [h for h in HARNESSES if (h.durable or not durable) and (h.can_fail or not can_fail)]
    return pytest.mark.parametrize("harness_type", [pytest.param(h, id=h.name) for h in chosen])


@pytest.fixture
def harness(harness_type: Any, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    if harness_type is PostgresHarness:
        return PostgresHarness(request.getfixturevalue("pg_dsn"))
    return harness_type(tmp_path)


def clock() -> Callable[[], int]:
    ticks = itertools.count(NOW, 1_000_000_000)
    return lambda: next(ticks)


async def started(storage: Storage) -> Gateway:
    gateway = Gateway(storage=storage, clock=clock())
    gateway.load()
    gateway.start()
    return gateway


def pushing(gateway: Gateway, job: str, body: bytes = b"x 1\n", *, result: Any = None) -> Callable[[], Decision[Any]]:
    """A `decide` that pushes to the gateway's store as `Gateway.push` would."""

    def decide() -> Decision[Any]:
        pushed = gateway.store.push({"job": job}, parse_text(body), replace=True, now_ns=gateway.clock())
        return (job if result is None else result), pushed.changes

    return decide


def jobs(changes: list[Committed]) -> list[str]:
    return [change.labels.get("job", "*") for committed in changes for change in committed.changes]


def state(gateway: Gateway) -> tuple[bytes, bytes]:
    """What a client sees of the pushed groups: the API JSON and /metrics without the gateway's own families."""
    return gateway.api_metrics(), gateway.exposition.text([])


# ---------------------------------------------------------------------------- writes
@storages()
async def test_a_write_decides_once_and_returns_what_decide_returned(harness: Any) -> None:
    storage = harness.open()
    gateway = await started(storage)
    decided: list[str] = []
    decide = pushing(gateway, "a", result="the result")

    def counted() -> Decision[Any]:
        decided.append("a")
        return decide()

    assert await storage.write(counted) == "the result"
    assert decided == ["a"]
    assert [g.labels for g in gateway.groups()] == [{"job": "a"}]
    await gateway.close()


@storages()
async def test_writes_are_decided_in_the_order_they_were_made(harness: Any) -> None:
    storage = harness.open()
    gateway = await started(storage)
    order: list[int] = []

    async def write(i: int) -> int:
        decide = pushing(gateway, f"j{i}", result=i)

        def noted() -> Decision[Any]:
            order.append(i)
            return decide()

        result: int = await storage.write(noted)
        return result

    assert await asyncio.gather(*(write(i) for i in range(5))) == [0, 1, 2, 3, 4]
    assert order == [0, 1, 2, 3, 4]
    await gateway.close()


@storages()
async def test_a_decide_that_raises_commits_nothing_and_spares_the_writes_around_it(harness: Any) -> None:
    storage = harness.open()
    gateway = await started(storage)
    start = storage.load().position

    def refuses() -> Decision[Any]:
        raise ValueError("not this one")

    results = await asyncio.gather(
        storage.write(pushing(gateway, "a")),
        storage.write(refuses),
        storage.write(pushing(gateway, "b")),
        return_exceptions=True,
    )
    assert results[0] == "a" and results[2] == "b"
    assert isinstance(results[1], ValueError) and str(results[1]) == "not this one"
    feed = await storage.changes_after(start)
    assert not isinstance(feed, Reset)
    assert jobs(feed) == ["a", "b"]
    await gateway.close()


@storages()
async def test_a_write_without_changes_commits_nothing(harness: Any) -> None:
    storage = harness.open()
    gateway = await started(storage)
    start = storage.load().position
    assert await gateway.delete({"job": "never-pushed"}) is False
    assert await storage.changes_after(start) == []
    assert storage.load().position == start
    await gateway.close()


# ---------------------------------------------------------------------------- the change feed
@storages()
async def test_the_feed_gives_the_writes_after_a_position_oldest_first_without_gaps(harness: Any) -> None:
    storage = harness.open()
    gateway = await started(storage)
    start = storage.load().position
    for job in ("a", "b", "c"):
        await gateway.push({"job": job}, parse_text(b"x 1\n"), replace=True)
    feed = await storage.changes_after(start)
    assert not isinstance(feed, Reset)
    assert jobs(feed) == ["a", "b", "c"]
    assert [c.position.seq for c in feed] == [start.seq + 1, start.seq + 2, start.seq + 3]
    assert {c.position.history for c in feed} == {start.history}
    later = await storage.changes_after(feed[1].position)
    assert not isinstance(later, Reset) and jobs(later) == ["c"]
    assert await storage.changes_after(feed[2].position) == []
    assert storage.load().position == feed[2].position
    await gateway.close()


@storages()
async def test_a_position_the_feed_cannot_continue_from_is_a_reset(harness: Any) -> None:
    storage = harness.open()
    gateway = await started(storage)
    await gateway.push({"job": "a"}, parse_text(b"x 1\n"), replace=True)
    head = storage.load().position
    assert isinstance(await storage.changes_after(Position("another-history", head.seq)), Reset)
    assert isinstance(await storage.changes_after(Position(head.history, head.seq + 5)), Reset)
    await gateway.close()


@storages()
async def test_replaying_the_feed_rebuilds_the_writers_store(harness: Any) -> None:
    storage = harness.open()
    writer = await started(storage)
    follower = Gateway(clock=clock())
    loaded = storage.load()
    follower.restore(loaded)

    await writer.push({"job": "a"}, parse_text(b"# HELP x the x\n# TYPE x gauge\nx 1\n"), replace=True)
    await writer.push({"job": "b"}, parse_text(b"# TYPE x gauge\nx 2\ny 3\n"), replace=True)
    await writer.push({"job": "c"}, parse_text(b"# TYPE x counter\nx 1\n"), replace=True)  # refused, failure recorded
    await writer.push({"job": "b"}, parse_text(b"z 4\n"), replace=False)
    await writer.delete_family({"job": "b"}, "y")
    await writer.wipe()
    await writer.push(
        {"job": "d"}, parse_text(b'# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'), replace=True
    )
    await writer.push({"job": "e"}, parse_text(b"w 1\n"), replace=True)
    await writer.delete({"job": "e"})
    await writer.push({"job": "f"}, parse_text(b"# TYPE x gauge\nx 5\n"), replace=True)

    feed = await storage.changes_after(loaded.position)
    assert not isinstance(feed, Reset)
    for committed in feed:
        follower.apply(committed)
    assert state(follower) == state(writer)
    assert [g.labels["job"] for g in follower.groups()] == ["d", "f"]
    await writer.close()


# ---------------------------------------------------------------------------- durability
@storages(durable=True)
async def test_a_new_storage_loads_every_committed_write_exactly(harness: Any) -> None:
    writer = await started(harness.open())
    await writer.push({"job": "gone"}, parse_text(b"g 1\n"), replace=True)
    await writer.wipe()
    await writer.push(
        {"job": "a", "instance": ""},
        parse_text(b'# HELP x h\\nelp\n# TYPE x counter\nx{z="2"} 1\nx{z="1"} 2\n'),
        replace=True,
    )
    await writer.push({"job": "a", "instance": ""}, parse_text(b"x 1 5\n"), replace=True)  # refused
    await writer.push(
        {"job": "s"}, parse_text(b'# TYPE s summary\ns{quantile="0.5"} NaN\ns_sum 1\ns_count 2\n'), replace=False
    )
    await writer.push({"job": "b"}, parse_text(b"p 1\nq 2\n"), replace=True)
    await writer.delete_family({"job": "b"}, "q")
    before = state(writer)
    await writer.close()

    again = Gateway(storage=harness.open(), clock=clock())
    assert again.load() == 3
    assert state(again) == before
    await again.close()


@storages(durable=True)
async def test_close_commits_what_is_pending(harness: Any) -> None:
    writer = await started(harness.open())
    pushes = [asyncio.create_task(writer.push({"job": f"j{i}"}, parse_text(b"x 1\n"), replace=True)) for i in range(5)]
    await asyncio.sleep(0)  # every push has asked for its write
    await writer.close()
    assert all(verdict.accepted for verdict in await asyncio.gather(*pushes))
    again = Gateway(storage=harness.open())
    assert again.load() == 5
    await again.close()


# ---------------------------------------------------------------------------- failure
@storages(can_fail=True)
@pytest.mark.parametrize("writes", [1, 3], ids=["one", "concurrent"])
async def test_a_failed_commit_fails_its_writes_after_reloading_the_model(harness: Any, writes: int) -> None:
    storage = harness.open()
    gateway = await started(storage)
    await gateway.push({"job": "kept"}, parse_text(b"x 1\n"), replace=True)
    harness.break_commits(storage)

    async def doomed(job: str) -> list[dict[str, str]]:
        with pytest.raises(PersistenceError, match="disk says no"):
            await gateway.push({"job": job}, parse_text(b"y 1\n"), replace=True)
        # The model was reloaded before the failure was reported.
        return [group.labels for group in gateway.groups()]

    seen = await asyncio.gather(*(doomed(f"lost{i}") for i in range(writes)))
    assert seen == [[{"job": "kept"}]] * writes
    harness.mend_commits(storage)
    assert (await gateway.push({"job": "later"}, parse_text(b"z 1\n"), replace=True)).accepted
    await gateway.close()
    again = Gateway(storage=harness.open())
    again.load()
    assert [group.labels for group in again.groups()] == [{"job": "kept"}, {"job": "later"}]
    await again.close()
