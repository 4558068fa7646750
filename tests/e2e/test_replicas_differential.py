"""Differential: the named cases of the differential suite, run on two replicas, answer as one gateway does today.

The reference is our single-node gateway (in memory, the same flags), not Go: the suite already
holds it to Go 1.11.0 and 1.5.1 (`tests/differential/`, `Case.versions`), so any difference here
is the shared store's. Every case whose flags are the defaults, from the groups that write and
read state (store rules, protobuf and native histograms, seeded sequences, scrapes, bodies,
UTF-8 names with the flag off), is played request for request: to the single node, and round
robin to the replicas, each request sent only once both replicas stand at the same feed position
(so a read on one sees a write taken by the other, as through a balancer once the lag has passed).
Answers and the final state (API, text scrape) must be the same; the replicas' own
`pgw_bridge_storage_*` families are left out, as the servers' own families are in the suite.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.differential.registry import NAMED
from tests.e2e.replicas import replica_args
from tests.support.diff import Case, Side, explain
from tests.support.postgres import PgCluster
from tests.support.servers import BridgeProcess

pytestmark = pytest.mark.slow

CHECKED_GROUPS = ("store", "protobuf", "native", "seeded", "scrape", "body", "regressions", "utf8")
DEFAULT = Case([])
CASES = [
    (group, name, case)
    for group, name, case in NAMED
    if group in CHECKED_GROUPS
    and (case.go_args, dict(case.config), case.prefix, case.telemetry)
    == (DEFAULT.go_args, dict(DEFAULT.config), DEFAULT.prefix, DEFAULT.telemetry)
]
REPLICA_PREFIX = "pgw_bridge_storage_"


class Servers:
    """One gateway and two replicas of one store, all with the default case flags."""

    def __init__(self, dsn: str) -> None:
        self.single = BridgeProcess(list(DEFAULT.go_args))
        self.replicas = [BridgeProcess(replica_args(dsn, f"r{i}", *DEFAULT.go_args)) for i in range(2)]
        self.clients = [httpx.Client(timeout=30, follow_redirects=False) for _ in range(3)]
        self.single_side = Side(self.clients[0], self.single.url, resort=False)
        self.replica_sides = [
            Side(c, r.url, resort=False) for c, r in zip(self.clients[1:], self.replicas, strict=True)
        ]

    def positions(self) -> list[Any]:
        out = []
        for side in self.replica_sides:
            storage = side.client.get(f"{side.base}/api/v1/extensions").json()["data"]["storage"]
            out.append((storage["up"], storage["seq"]))
        return out

    def converge(self) -> None:
        """Wait until both replicas are up at the same feed position."""
        deadline = time.monotonic() + 30
        while True:
            positions = self.positions()
            if all(up for up, _ in positions) and len({seq for _, seq in positions}) == 1:
                return
            assert time.monotonic() < deadline, f"the replicas did not converge: {positions}"
            time.sleep(0.005)

    def wipe(self) -> None:
        for side in (self.single_side, self.replica_sides[0]):
            assert side.client.put(f"{side.base}/api/v1/admin/wipe").status_code == 202
        self.converge()

    def close(self) -> None:
        for client in self.clients:
            client.close()
        for server in (self.single, *self.replicas):
            server.stop()


@pytest.fixture(scope="module")
def servers(pg_cluster: PgCluster) -> Iterator[Servers]:
    started = Servers(pg_cluster.fresh_database())
    yield started
    started.close()


def _without_replica_families(lines: list[str]) -> list[str]:
    """Normalised scrape lines (text or protobuf) without the replicas' own families.

    Every family starts with a header line (`family …` in protobuf, `# HELP`/`# TYPE` in the
    text ours writes), and its metric or sample lines follow it.
    """
    out, dropping = [], False
    for line in lines:
        if line.startswith("family "):
            dropping = f'name: "{REPLICA_PREFIX}' in line
        elif line.startswith(("# HELP ", "# TYPE ")):
            dropping = line.split(" ", 3)[2].startswith(REPLICA_PREFIX)
        if not dropping:
            out.append(line)
    return out


def _comparable(answer: dict[str, Any]) -> dict[str, Any]:
    body = answer.get("body")
    if isinstance(body, dict) and "scrape" in body:
        return {**answer, "body": {"scrape": _without_replica_families(body["scrape"])}}
    return answer


def _state(side: Side) -> dict[str, Any]:
    state = side.state()
    if "metrics" in state:
        state["metrics"] = _without_replica_families(state["metrics"])
    return state


def test_the_cases_run_on_groups_that_write_state() -> None:
    groups = {group for group, _, _ in CASES}
    assert groups >= {"store", "native", "protobuf", "seeded"}, groups
    assert len(CASES) >= 150, len(CASES)


@pytest.mark.parametrize(("group", "name", "case"), CASES, ids=[f"{g}: {n}" for g, n, _ in CASES])
def test_a_case_on_two_replicas_answers_as_one_gateway(servers: Servers, group: str, name: str, case: Case) -> None:
    servers.wipe()
    differences = []
    for number, req in enumerate(case.requests):
        one = servers.single_side.answer(req)
        many = _comparable(servers.replica_sides[number % 2].answer(req))
        servers.converge()
        if one != many:
            differences.append(
                explain(f"answer {number} differs for {req}", one, many, expected_name="single", got_name="replicas")
            )
    if case.state:
        expected = _state(servers.single_side)
        for index, side in enumerate(servers.replica_sides):
            got = _state(side)
            if got != expected:
                differences.append(
                    explain(
                        f"state differs on replica r{index}",
                        expected,
                        got,
                        expected_name="single",
                        got_name=f"r{index}",
                    )
                )
    assert not differences, "\n\n".join(differences)
