"""Gateways sharing one storage (the recording fake standing in for PostgreSQL): one store's answers, whichever takes the write."""

from __future__ import annotations

import asyncio

from bridge.gateway.service import Gateway
from bridge.gateway.store.types import Group
from bridge.gateway.verdict import Refusal
from bridge.protocol.model import PUSH_FAILURE_TIME, PUSH_TIME
from bridge.protocol.textparse import parse_text
from tests.support.fake_storage import FakeDisk, FakeStorage

GAUGE = b"# TYPE x gauge\nx 1\n"
COUNTER = b"# TYPE x counter\nx 1\n"


async def replica(disk: FakeDisk, *, listens: bool = True) -> Gateway:
    gateway = Gateway(storage=FakeStorage(disk, listens=listens))
    gateway.load()
    gateway.start()
    return gateway


async def settled() -> None:
    """Let the storages' wake-ups (their LISTEN/NOTIFY) run."""
    for _ in range(3):
        await asyncio.sleep(0)


def jobs(gateway: Gateway) -> list[str]:
    return sorted(group.labels["job"] for group in gateway.groups())


async def test_a_push_is_checked_against_what_another_replica_committed() -> None:
    disk = FakeDisk()
    a, b = await replica(disk), await replica(disk, listens=False)
    assert (await a.push({"job": "first"}, parse_text(GAUGE), replace=True)).accepted
    await settled()
    # b has not heard of it, but it catches up under the lock before deciding.
    assert b.group({"job": "first"}) is None
    verdict = await b.push({"job": "second"}, parse_text(COUNTER), replace=True)
    assert verdict.refusal is Refusal.INCONSISTENT and "is not a GAUGE" in verdict.message
    await settled()
    assert b.group({"job": "first"}) is not None
    for gateway in (a, b):
        failed = gateway.group({"job": "second"})
        assert isinstance(failed, Group) and not failed.last_push_successful
        assert failed.timestamp_value(PUSH_TIME) == 0.0 and failed.timestamp_value(PUSH_FAILURE_TIME)
    assert a.api_metrics() == b.api_metrics()
    await a.close()
    await b.close()


async def test_of_two_conflicting_pushes_at_once_exactly_one_wins() -> None:
    disk = FakeDisk()
    a, b = await replica(disk), await replica(disk)
    verdicts = await asyncio.gather(
        a.push({"job": "gauge"}, parse_text(GAUGE), replace=True),
        b.push({"job": "counter"}, parse_text(COUNTER), replace=True),
    )
    assert sorted(v.accepted for v in verdicts) == [False, True]
    await settled()
    assert a.api_metrics() == b.api_metrics() and jobs(a) == ["counter", "gauge"]
    await a.close()
    await b.close()


async def test_every_replica_follows_deletes_and_wipes() -> None:
    disk = FakeDisk()
    a, b = await replica(disk), await replica(disk)
    for job in ("one", "two", "three"):
        await a.push({"job": job}, parse_text(GAUGE), replace=True)
    await b.delete({"job": "two"})
    await settled()
    assert jobs(a) == jobs(b) == ["one", "three"]
    assert await b.wipe() == 2
    await settled()
    assert a.groups() == [] and a.exposition.text([]) == b""
    await a.close()
    await b.close()


async def test_a_restarted_replica_loads_everything_and_keeps_following() -> None:
    disk = FakeDisk()
    a = await replica(disk)
    await a.push({"job": "before"}, parse_text(GAUGE), replace=True)
    b = await replica(disk)
    assert jobs(b) == ["before"]
    await a.push({"job": "after"}, parse_text(GAUGE), replace=True)
    await settled()
    assert jobs(b) == ["after", "before"]
    await a.close()
    await b.close()


async def test_the_writes_of_one_turn_of_the_loop_share_one_transaction() -> None:
    disk = FakeDisk()
    gateway = await replica(disk)
    storage = gateway.storage
    assert isinstance(storage, FakeStorage)
    verdicts = await asyncio.gather(
        *(gateway.push({"job": f"j{i}"}, parse_text(GAUGE), replace=True) for i in range(4))
    )
    assert all(v.accepted for v in verdicts)
    assert [len(transaction) for transaction in storage.transactions] == [4]
    assert [name for name, _ in storage.calls] == ["load", "start", "write", "write", "write", "write"]
    await gateway.close()
