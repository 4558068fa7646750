"""Faults of a replicated store: a replica SIGKILLed mid-load, PostgreSQL stopped mid-load, a failover to a synchronous standby, the TTL leader dying.

Every check is the crash checker's (`crashload`): whatever the survivors, the restarted replica
or the promoted standby show must be the result of a real-time consistent order of the writes
that includes every acknowledged one.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from functools import partial
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import StartBridge
from tests.e2e.crashload import Checker, Load, make_groups
from tests.e2e.helpers import api_groups, groups_by_labels, poll
from tests.e2e.replicas import gauge, replica_args, start_replicas, wait_converged
from tests.support.postgres import PgCluster

pytestmark = pytest.mark.slow

CLIENTS = 4
TEXT = {"Content-Type": "text/plain; version=0.0.4"}


@pytest.fixture
def seed() -> int:
    value = int(os.environ.get("PGW_CRASH_SEED") or random.randrange(2**31))
    print(f"replica fault seed {value}: rerun with PGW_CRASH_SEED={value}")
    return value


@pytest.fixture
def private_cluster(pg_cluster: PgCluster) -> Iterator[PgCluster]:
    """A cluster of this test's own, to stop and restart (the session's one proves PostgreSQL is installed)."""
    cluster = PgCluster(name="faults")
    cluster.start()
    yield cluster
    cluster.destroy()


def storage_up_is(url: str, value: float) -> bool:
    return gauge(url, "pgw_bridge_storage_up") == value


def observe(url: str, checker: Checker) -> Any:
    with httpx.Client(base_url=url, timeout=10) as client:
        return checker.observe(client)


def test_a_replica_killed_mid_load_loses_nothing_acknowledged(bridge: StartBridge, pg_dsn: str, seed: int) -> None:
    rng = random.Random(seed)
    servers = start_replicas(bridge, pg_dsn, 3, "--web.enable-admin-api")
    own, shared = make_groups(CLIENTS)
    checker = Checker(own + shared)
    for number in range(3):
        urls = [s.url for s in servers]
        load = Load(urls, own + shared, len(own), seed + number, CLIENTS)
        load.start()
        try:
            load.wait_acked(rng.randint(40, 200))
            time.sleep(rng.uniform(0, 0.02))
        finally:
            victim = rng.randrange(len(servers))
            servers[victim].kill()
        load.join()
        context = f"seed {seed} round {number} (replica r{victim} killed after {load.acked} acknowledged writes)"
        assert not load.unexpected(), f"{context}: {[op.describe() for op in load.unexpected()]}"
        survivors = [s for i, s in enumerate(servers) if i != victim]
        wait_converged([s.url for s in survivors])
        seen = [observe(s.url, checker) for s in survivors]
        assert seen[0] == seen[1], f"{context}: the survivors differ"
        servers[victim] = bridge(replica_args(pg_dsn, f"r{victim}", "--web.enable-admin-api"))
        wait_converged([s.url for s in servers])
        restarted = observe(servers[victim].url, checker)
        assert restarted == seen[0], f"{context}: the restarted replica differs from the survivors"
        checker.check_round(load.ops, restarted, context)


def test_postgres_stopped_mid_load_503s_then_recovers_without_restart(
    bridge: StartBridge, private_cluster: PgCluster, seed: int
) -> None:
    dsn = private_cluster.fresh_database()
    servers = start_replicas(bridge, dsn, 2, "--web.enable-admin-api", timeout="1s")
    urls = [s.url for s in servers]
    own, shared = make_groups(CLIENTS)
    checker = Checker(own + shared)
    load = Load(urls, own + shared, len(own), seed, CLIENTS)
    load.start()
    try:
        load.wait_acked(random.Random(seed).randint(40, 200))
    finally:
        private_cluster.kill()
    load.join()
    context = f"seed {seed} (PostgreSQL killed after {load.acked} acknowledged writes)"
    answered = [op for op in load.ops if op.status is not None]
    refused = [op for op in answered if not op.acked]
    assert all(op.status == 503 for op in refused), f"{context}: {[op.describe() for op in refused]}"
    # Reads go on from memory; writes are refused with a clear message, not hung, not 200.
    for url in urls:
        assert httpx.get(f"{url}/api/v1/metrics", timeout=10).status_code == 200
        poll(partial(storage_up_is, url, 0.0), timeout=20, what=f"{url} to report down")
        answer = httpx.put(f"{url}/metrics/job/while_down", content=b"d 1\n", headers=TEXT, timeout=20)
        assert answer.status_code == 503, answer.text
        assert "PostgreSQL" in answer.text and "retry later" in answer.text and "not applied" in answer.text
    for server in servers:
        assert "PostgreSQL unavailable" in server.logs()
    private_cluster.start()
    for url in urls:
        poll(partial(storage_up_is, url, 1.0), timeout=30, what=f"{url} to recover")
    wait_converged(urls)
    views = [observe(url, checker) for url in urls]  # fails on any group the load did not write (while_down)
    assert views[0] == views[1]
    checker.check_round(load.ops, views[0], context)
    assert_writes_resume(urls)


def assert_writes_resume(urls: list[str]) -> None:
    """A write to one replica is answered 200 and shows on the others (no replica was restarted)."""
    assert httpx.put(f"{urls[-1]}/metrics/job/after", content=b"a 1\n", headers=TEXT, timeout=10).status_code == 200

    def everywhere() -> bool:
        for url in urls:
            with httpx.Client(base_url=url) as client:
                if (("job", "after"),) not in groups_by_labels(api_groups(client)):
                    return False
        return True

    poll(everywhere, timeout=20, what="the write after recovery on every replica")


def test_failover_to_a_synchronous_standby_loses_nothing_acknowledged(
    bridge: StartBridge, pg_cluster: PgCluster, seed: int
) -> None:
    primary = PgCluster(name="primary")
    standby: PgCluster | None = None
    try:
        primary.start()
        primary.sql("CREATE DATABASE pgw")
        standby = PgCluster(name="standby1", standby_of=primary)
        standby.start()
        primary.require_sync_standby("standby1")
        poll(
            lambda: primary.sql("SELECT sync_state FROM pg_stat_replication") == [("sync",)],
            timeout=30,
            what="the standby to be synchronous",
        )
        dsn = (
            f"postgresql://pgw:{'s3cret-pgw'}@127.0.0.1:{primary.port},127.0.0.1:{standby.port}/pgw"
            "?target_session_attrs=read-write"
        )
        servers = start_replicas(bridge, dsn, 2, "--web.enable-admin-api", timeout="2s")
        urls = [s.url for s in servers]
        own, shared = make_groups(CLIENTS)
        checker = Checker(own + shared)
        load = Load(urls, own + shared, len(own), seed, CLIENTS)
        load.start()
        try:
            load.wait_acked(random.Random(seed).randint(40, 200))
        finally:
            primary.kill()
        load.join()
        context = f"seed {seed} (primary killed after {load.acked} acknowledged writes)"
        refused = [op for op in load.ops if op.status is not None and not op.acked]
        assert all(op.status == 503 for op in refused), f"{context}: {[op.describe() for op in refused]}"
        standby.promote()
        for url in urls:
            poll(partial(storage_up_is, url, 1.0), timeout=30, what=f"{url} to fail over")
        wait_converged(urls)
        views = [observe(url, checker) for url in urls]
        assert views[0] == views[1]
        checker.check_round(load.ops, views[0], context)
        assert_writes_resume(urls)
    finally:
        primary.destroy()
        if standby is not None:
            standby.destroy()


def test_ttl_expiry_runs_on_one_replica_and_hands_over(bridge: StartBridge, pg_dsn: str) -> None:
    servers = start_replicas(bridge, pg_dsn, 2, "--push.group-ttl=2s")

    def leaders() -> list[int] | None:
        flags = [gauge(s.url, "pgw_bridge_storage_leader") for s in servers if s.proc.poll() is None]
        return [i for i, flag in enumerate(flags) if flag == 1.0] if None not in flags else None

    def one_leader() -> list[int] | None:
        found = leaders()
        return found if found is not None and len(found) == 1 else None

    elected = poll(one_leader, timeout=20, what="one leader")
    leader = servers[elected[0]]
    other = servers[1 - elected[0]]

    def expires(url: str, job: str) -> None:
        assert httpx.put(f"{url}/metrics/job/{job}", content=b"t 1\n", headers=TEXT).status_code == 200

        def gone() -> bool:
            with httpx.Client(base_url=other.url) as client:
                return (("job", job),) not in groups_by_labels(api_groups(client))

        poll(gone, timeout=30, what=f"group {job} to expire")

    expires(other.url, "first")
    leader.kill()
    poll(lambda: gauge(other.url, "pgw_bridge_storage_leader") == 1.0, timeout=30, what="the survivor to take over")
    expires(other.url, "second")
    assert "this replica was elected" in other.logs()
