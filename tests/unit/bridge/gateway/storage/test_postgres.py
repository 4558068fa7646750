"""What only the PostgreSQL storage does, against a real server: replicas in one process, batching, reloads, refusals, faults.

The contract suite (`test_contract.py`) holds it to the storage interface; these tests hold it
to the rest of issue 13: two replicas decide conflicting pushes one after the other, concurrent
pushes share transactions, a replica reloads on another history / a sequence that went backwards /
a pruned feed, UTF-8 names and label values holding NUL are kept (`text` cannot hold NUL), foreign
tables are refused, the password never shows, and a stuck lock holder or
a connection lost during the commit end in a 503 and a model that shows only what is committed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest

from bridge.errors import PersistenceError, StorageUnavailable
from bridge.gateway.config import GatewayConfig
from bridge.gateway.service import Gateway
from bridge.gateway.storage.postgres.storage import PostgresStorage
from bridge.protocol import protobuf
from bridge.protocol.model import TIMESTAMP_FAMILIES, Metric, MetricFamily, MetricType
from bridge.protocol.textparse import parse_text
from tests.support.postgres import PASSWORD, USER, PgCluster

GAUGE = b"# TYPE x gauge\nx 1\n"
COUNTER = b"# TYPE x counter\nx 1\n"


def sql(dsn: str, statement: str) -> list[Any]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        cursor = conn.execute(statement)
        return cursor.fetchall() if cursor.description else []


async def replica(dsn: str, *, start: bool = True, **kwargs: Any) -> Gateway:
    options: dict[str, Any] = {"timeout": 5, "poll_interval": 0.1, **kwargs}
    gateway = Gateway(storage=PostgresStorage(dsn, **options))
    gateway.load()
    if start:
        gateway.start()
    return gateway


def jobs(gateway: Gateway) -> list[str]:
    return sorted(group.labels["job"] for group in gateway.groups())


async def until(condition: Any, what: str) -> None:
    for _ in range(400):
        if condition():
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"timed out waiting for {what}")


def storage_of(gateway: Gateway) -> PostgresStorage:
    assert isinstance(gateway.storage, PostgresStorage)
    return gateway.storage


# ---------------------------------------------------------------------------- replicas
async def test_of_two_replicas_pushing_conflicting_types_at_once_exactly_one_wins(pg_dsn: str) -> None:
    a, b = await replica(pg_dsn), await replica(pg_dsn)
    for round_ in range(10):
        verdicts = await asyncio.gather(
            a.push({"job": f"g{round_}"}, parse_text(GAUGE), replace=True),
            b.push({"job": f"c{round_}"}, parse_text(COUNTER), replace=True),
        )
        assert sorted(v.accepted for v in verdicts) == [False, True], verdicts
        await a.wipe()
    await a.close()
    await b.close()


async def test_concurrent_pushes_share_transactions(pg_dsn: str) -> None:
    gateway = await replica(pg_dsn)
    verdicts = await asyncio.gather(
        *(gateway.push({"job": f"j{i}"}, parse_text(GAUGE), replace=True) for i in range(40))
    )
    assert all(v.accepted for v in verdicts)
    storage = storage_of(gateway)
    families = {f.name: f.metrics[0].counter or 0.0 for f in storage.families() if f.name.endswith("_total")}
    assert families["pgw_bridge_storage_writes_total"] == 40
    assert families["pgw_bridge_storage_transactions_total"] < 40  # group commit happened
    await gateway.close()


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE pgw_meta SET history = 'restored-elsewhere'",
        "DELETE FROM pgw_changes WHERE seq = (SELECT seq FROM pgw_meta); UPDATE pgw_meta SET seq = seq - 1",
    ],
    ids=["another-history", "sequence-backwards"],
)
async def test_a_replica_reloads_when_the_feed_cannot_continue(pg_dsn: str, tamper: str) -> None:
    gateway = await replica(pg_dsn)
    for job in ("a", "b"):
        await gateway.push({"job": job}, parse_text(GAUGE), replace=True)
    sql(
        pg_dsn,
        "DELETE FROM pgw_families WHERE labels LIKE '%\"b\"%'; DELETE FROM pgw_groups WHERE labels LIKE '%\"b\"%'",
    )
    sql(pg_dsn, tamper)
    storage = storage_of(gateway)
    await until(lambda: storage.position is not None and jobs(gateway) == ["a"], "the reload")
    assert (await gateway.push({"job": "c"}, parse_text(GAUGE), replace=True)).accepted
    await gateway.close()
    again = await replica(pg_dsn, start=False)
    assert jobs(again) == ["a", "c"]


async def test_a_replica_behind_a_pruned_feed_reloads(pg_dsn: str) -> None:
    writer = await replica(pg_dsn)
    late = await replica(pg_dsn, start=False)  # loaded at seq 0, not following yet
    for job in ("a", "b", "c"):
        await writer.push({"job": job}, parse_text(GAUGE), replace=True)
    sql(pg_dsn, "DELETE FROM pgw_changes WHERE seq <= 2")
    late.start()
    await until(lambda: jobs(late) == ["a", "b", "c"], "the late replica to reload")
    assert storage_of(late).families()[-1].metrics[0].counter == 1  # pgw_bridge_storage_reloads_total
    await writer.close()
    await late.close()


async def test_utf8_names_and_values_holding_nul_are_stored_replayed_and_loaded(pg_dsn: str) -> None:
    """`text` columns cannot hold NUL, which a UTF-8 family name or a label value may: one gateway keeps them."""
    config = GatewayConfig(enable_utf8_names=True)
    options: dict[str, Any] = {"timeout": 5, "poll_interval": 0.1}
    writer, follower = (Gateway(config, storage=PostgresStorage(pg_dsn, **options)) for _ in range(2))
    for gateway in (writer, follower):
        gateway.load()
        gateway.start()
    odd = MetricFamily("a\x00b", MetricType.GAUGE, "h\x00", [Metric(labels=(("l\x00", "v\x00"),), gauge=1.0)])
    grouping = {"job": "j\x00"}
    assert (await writer.push(grouping, {odd.name: odd}, replace=True)).accepted

    def names(gateway: Gateway) -> set[str]:
        group = gateway.group(grouping)
        return set(group.families) - TIMESTAMP_FAMILIES if group is not None else set()

    def served(gateway: Gateway) -> bytes:
        group = gateway.group(grouping)
        assert group is not None
        return protobuf.encode_family(group.families["a\x00b"].family)

    await until(lambda: names(follower) == {"a\x00b"}, "the follower to replay the push")
    loaded = Gateway(config, storage=PostgresStorage(pg_dsn, **options))
    loaded.load()
    assert served(loaded) == served(follower) == served(writer)
    # A PUT without it removes it: the removal is keyed by the same bytes.
    assert (await writer.push(grouping, parse_text(GAUGE), replace=True)).accepted
    await until(lambda: names(follower) == {"x"}, "the follower to replay the removal")
    again = Gateway(config, storage=PostgresStorage(pg_dsn, **options))
    again.load()
    assert names(again) == {"x"}
    await writer.close()
    await follower.close()


# ---------------------------------------------------------------------------- refusals
@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ("UPDATE pgw_meta SET application = 'someone-else'", "another application"),
        ("UPDATE pgw_meta SET schema_version = 99", "newer than this pgw-bridge understands"),
        ("UPDATE pgw_meta SET family_codec = 'proto-v9'", "stores families as 'proto-v9'"),
    ],
)
def test_tables_that_are_not_ours_are_refused(pg_dsn: str, tamper: str, message: str) -> None:
    PostgresStorage(pg_dsn)  # creates the tables
    sql(pg_dsn, tamper)
    with pytest.raises(PersistenceError, match=message):
        PostgresStorage(pg_dsn)


def test_the_password_comes_from_a_file_and_never_shows(pg_cluster: PgCluster, tmp_path: Any) -> None:
    dsn = pg_cluster.fresh_database()
    bare = dsn.replace(f":{PASSWORD}@", "@")
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n")
    storage = PostgresStorage(bare, password_file=str(secret))
    assert storage.load().groups == []
    assert PASSWORD not in storage.where
    secret.write_text("wrong-password\n")
    with pytest.raises(StorageUnavailable) as refused:
        PostgresStorage(bare, password_file=str(secret))
    assert "wrong-password" not in str(refused.value) and f'user "{USER}"' in str(refused.value)
    with pytest.raises(StorageUnavailable) as unreachable:
        PostgresStorage(f"postgresql://{USER}:{PASSWORD}@127.0.0.1:1/none", timeout=1)
    assert PASSWORD not in str(unreachable.value) and "***" in str(unreachable.value)


# ---------------------------------------------------------------------------- faults
async def test_a_replica_stuck_inside_the_lock_is_cut_off_and_the_others_go_on(pg_dsn: str) -> None:
    gateway = await replica(pg_dsn, timeout=10)
    stuck_settings = PostgresStorage(pg_dsn, timeout=1)  # a replica whose timeout is 1 s
    stuck = stuck_settings._connect_sync()
    stuck.execute("BEGIN")
    stuck.execute("SELECT seq FROM pgw_meta FOR UPDATE")  # and then it stops talking
    verdict = await gateway.push({"job": "after"}, parse_text(GAUGE), replace=True)
    assert verdict.accepted
    with pytest.raises(psycopg.Error, match="idle-in-transaction timeout"):
        stuck.execute("SELECT 1")  # idle_in_transaction_session_timeout ended its session
    stuck.close()
    await gateway.close()


async def test_a_lock_not_granted_in_time_is_a_503_and_nothing_is_applied(pg_dsn: str) -> None:
    gateway = await replica(pg_dsn, timeout=1)
    with psycopg.connect(pg_dsn, autocommit=True) as holder:
        holder.execute("BEGIN")
        holder.execute("SELECT seq FROM pgw_meta FOR UPDATE")
        with pytest.raises(StorageUnavailable, match="not applied"):
            await gateway.push({"job": "blocked"}, parse_text(GAUGE), replace=True)
        holder.execute("ROLLBACK")
    assert gateway.groups() == []
    assert (await gateway.push({"job": "later"}, parse_text(GAUGE), replace=True)).accepted
    await gateway.close()
    again = await replica(pg_dsn, start=False)
    assert jobs(again) == ["later"]


async def test_a_connection_lost_during_the_commit_is_settled_from_the_feed(pg_dsn: str) -> None:
    gateway = await replica(pg_dsn, timeout=10)
    await gateway.push({"job": "kept"}, parse_text(GAUGE), replace=True)
    sql(
        pg_dsn,
        "CREATE FUNCTION pgw_slow() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN PERFORM pg_sleep(10); RETURN NEW; END$$;"
        "CREATE TRIGGER slow BEFORE UPDATE ON pgw_meta FOR EACH ROW EXECUTE FUNCTION pgw_slow()",
    )
    push = asyncio.create_task(gateway.push({"job": "lost"}, parse_text(GAUGE), replace=True))
    query = (
        "SELECT pid FROM pg_stat_activity WHERE query LIKE '%UPDATE pgw_meta%' AND state = 'active' "
        "AND pid <> pg_backend_pid()"
    )
    for _ in range(400):
        pids = await asyncio.to_thread(sql, pg_dsn, query)
        if pids:
            break
        await asyncio.sleep(0.025)
    assert pids, "the writer never reached the commit"
    assert gateway.group({"job": "lost"}) is not None  # decided: the model holds it, uncommitted
    sql(pg_dsn, f"SELECT pg_terminate_backend({pids[0][0]})")
    sql(pg_dsn, "DROP TRIGGER slow ON pgw_meta")  # after: it waits for the writer's transaction to end
    with pytest.raises(StorageUnavailable, match="may or may not have been applied"):
        await push
    storage = storage_of(gateway)
    await until(lambda: storage.up and gateway.group({"job": "lost"}) is None, "the limbo to be settled")
    assert jobs(gateway) == ["kept"]
    assert (await gateway.push({"job": "next"}, parse_text(GAUGE), replace=True)).accepted
    await gateway.close()
