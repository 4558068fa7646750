"""Replicas of one store in PostgreSQL answer as one gateway: real `pgw-bridge serve` processes on loopback.

- Differential: the same request sequence sent to a single in-memory gateway and, round robin,
  to three replicas gets the same answers and ends in the same store on every replica.
- Conflicting pushes sent at the same moment to different replicas: never two winners, and the
  verdicts are those of some serial order (property test).
- A new replica loads the store and follows the feed; the password is never shown.
"""

from __future__ import annotations

import base64
import random
import threading
from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import StartBridge
from tests.e2e.helpers import api_groups, groups_by_labels, poll
from tests.e2e.replicas import gauge, start_replicas, storage_state, wait_converged
from tests.support.normalise import normalise_state
from tests.support.postgres import PASSWORD

pytestmark = pytest.mark.slow

TEXT = {"Content-Type": "text/plain; version=0.0.4"}
GROUPS = [
    "/metrics/job/a",
    "/metrics/job/a/instance/i",
    "/metrics/job/b",
    f"/metrics/job@base64/{base64.urlsafe_b64encode(b'c/d').decode()}",
]
BODIES = [
    b"# TYPE x gauge\nx 1\n",
    b"# TYPE x counter\nx 2\n",
    b"# HELP x other help\n# TYPE x gauge\nx 3\n",
    b'x{instance="i"} 4\n',
    b'# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2\n',
    b"y 5\nz 6\n",
    b'# TYPE s summary\ns{quantile="0.5"} 1\ns_sum 2\ns_count 3\n',
    b"w 1 1700000000000\n",
    b"push_time_seconds 5\n",
]


def requests(seed: int, count: int) -> list[tuple[str, str, bytes]]:
    """A random sequence of writes touching few groups and families, so that verdicts depend on order."""
    rng = random.Random(seed)
    out: list[tuple[str, str, bytes]] = []
    for _ in range(count):
        group = rng.choice(GROUPS)
        kind = rng.choices(["PUT", "POST", "DELETE", "FAMDEL", "WIPE"], [35, 40, 10, 12, 3])[0]
        if kind in ("PUT", "POST"):
            out.append((kind, group, rng.choice(BODIES)))
        elif kind == "DELETE":
            out.append(("DELETE", group, b""))
        elif kind == "FAMDEL":
            family = rng.choice(["x", "y", "h", "push_time_seconds"])
            out.append(("DELETE", f"/api/v1/extensions/family/{family}{group.removeprefix('/metrics')}", b""))
        else:
            out.append(("PUT", "/api/v1/admin/wipe", b""))
    return out


def state(url: str) -> dict[str, Any]:
    with httpx.Client(base_url=url, timeout=10) as client:
        api = client.get("/api/v1/metrics")
        scrape = client.get("/metrics")
    return normalise_state(
        api.content, scrape.status_code, scrape.content, scrape.headers["content-type"], resort=False
    )


def pushed_only(view: dict[str, Any]) -> dict[str, Any]:
    """The state without the gateway's own families (they differ from process to process)."""
    out = dict(view)
    if "metrics" in out:
        out["metrics"] = [line for line in out["metrics"] if not _own_line(line)]
    return out


def _own_line(line: str) -> bool:
    name = line.split(" ", 3)[2] if line.startswith("#") else line.split("{", 1)[0].split(" ", 1)[0]
    return name.startswith(("pushgateway_", "pgw_bridge_", "process_", "python_"))


def send(client: httpx.Client, method: str, path: str, body: bytes) -> tuple[int, str]:
    answer = client.request(method, path, content=body, headers=TEXT if body else None)
    return answer.status_code, answer.text


@pytest.mark.parametrize("seed", [1, 2])
def test_replicas_answer_and_end_like_one_gateway(bridge: StartBridge, pg_dsn: str, seed: int) -> None:
    single = bridge(["--web.enable-admin-api"])
    replicas = start_replicas(bridge, pg_dsn, 3, "--web.enable-admin-api")
    sequence = requests(seed, 150)
    answers_single: list[tuple[int, str]] = []
    answers_replicas: list[tuple[int, str]] = []
    clients = [httpx.Client(base_url=r.url, timeout=10) for r in replicas]
    with httpx.Client(base_url=single.url, timeout=10) as one:
        for number, (method, path, body) in enumerate(sequence):
            answers_single.append(send(one, method, path, body))
            answers_replicas.append(send(clients[number % 3], method, path, body))
    for client in clients:
        client.close()
    differ = [
        (n, sequence[n][:2], a, b) for n, (a, b) in enumerate(zip(answers_single, answers_replicas, strict=True))
        if a[0] != b[0] or (a[0] == 400 and a[1] != b[1])
    ]  # fmt: skip
    assert not differ, f"answers differ (request, single, replicas): {differ[:5]}"
    assert {status for status, _ in answers_single} >= {200, 202, 400}, "the sequence should exercise refusals"
    wait_converged([r.url for r in replicas])
    expected = pushed_only(state(single.url))
    for replica in replicas:
        assert pushed_only(state(replica.url)) == expected, f"{replica.url} holds another store"


def test_a_new_replica_loads_the_store_and_follows(bridge: StartBridge, pg_dsn: str) -> None:
    (first,) = start_replicas(bridge, pg_dsn, 1)
    assert httpx.put(f"{first.url}/metrics/job/early", content=b"e 1\n", headers=TEXT).status_code == 200
    (second,) = start_replicas(bridge, pg_dsn, 1)
    with httpx.Client(base_url=second.url) as client:
        assert set(groups_by_labels(api_groups(client))) == {(("job", "early"),)}
    assert httpx.put(f"{first.url}/metrics/job/late", content=b"l 1\n", headers=TEXT).status_code == 200

    def seen() -> bool:
        with httpx.Client(base_url=second.url) as client:
            return (("job", "late"),) in groups_by_labels(api_groups(client))

    poll(seen, timeout=10, what="the second replica to follow the first's push")
    assert gauge(second.url, "pgw_bridge_storage_up") == 1.0
    status = httpx.get(f"{second.url}/api/v1/status").text
    assert PASSWORD not in status and "storage.postgres" in status
    assert PASSWORD not in first.logs() + second.logs()
    state_a, state_b = storage_state(first.url), storage_state(second.url)
    assert state_a is not None and state_b is not None
    assert (state_a["kind"], state_a["replica"], state_b["replica"]) == ("postgres", "r0", "r0")


# ---------------------------------------------------------------------------- simultaneous conflicting pushes
@pytest.fixture(scope="module")
def trio(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Three replicas for the whole property test (a fixture per example would start 300 processes)."""
    from tests.e2e.replicas import replica_args
    from tests.support.servers import BridgeProcess

    dsn = request.getfixturevalue("pg_cluster").fresh_database()
    servers = [BridgeProcess(replica_args(dsn, f"r{i}", "--web.enable-admin-api")) for i in range(3)]
    yield servers
    for server in servers:
        server.stop()


TYPES = ["gauge", "counter", "untyped", "summary"]


def _body(mtype: str, value: int) -> bytes:
    if mtype == "summary":
        return f"# TYPE conflict summary\nconflict_sum {value}\nconflict_count 1\n".encode()
    return f"# TYPE conflict {mtype}\nconflict {value}\n".encode()


@settings(max_examples=12, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(TYPES), st.integers(0, 2)), min_size=2, max_size=6))
def test_conflicting_pushes_at_once_never_both_win(trio: Sequence[Any], pushes: list[tuple[str, int]]) -> None:
    urls = [server.url for server in trio]
    assert httpx.put(f"{urls[0]}/api/v1/admin/wipe").status_code == 202
    wait_converged(urls)
    barrier = threading.Barrier(len(pushes))
    answers: list[tuple[int, str] | None] = [None] * len(pushes)

    def push(index: int, mtype: str, replica: int) -> None:
        with httpx.Client(base_url=urls[replica], timeout=10) as client:
            barrier.wait()
            answer = client.put(f"/metrics/job/c{index}", content=_body(mtype, index), headers=TEXT)
            answers[index] = (answer.status_code, answer.text)

    threads = [threading.Thread(target=push, args=(i, t, r)) for i, (t, r) in enumerate(pushes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(a is not None and a[0] in (200, 400) for a in answers), answers
    accepted = {pushes[i][0] for i, a in enumerate(answers) if a is not None and a[0] == 200}
    # Serial semantics: the first push decides the family's type; exactly the pushes of that type win.
    assert len(accepted) == 1, f"pushes of {accepted} all accepted: {answers}"
    winner = accepted.pop()
    for (mtype, _), answer in zip(pushes, answers, strict=True):
        assert answer is not None
        assert (answer[0] == 200) == (mtype == winner), f"{mtype} answered {answer} while {winner} won"
        if answer[0] == 400:
            assert "pushed metrics are invalid or inconsistent with existing metrics" in answer[1]
    wait_converged(urls)
    views = []
    for url in urls:
        with httpx.Client(base_url=url) as client:
            views.append(groups_by_labels(api_groups(client)))
    assert views[0] == views[1] == views[2]
    for index, (mtype, _) in enumerate(pushes):
        group = views[0][(("job", f"c{index}"),)]
        failed = group["push_failure_time_seconds"]["metrics"][0]["value"] != "0"
        assert failed == (mtype != winner) and group["last_push_successful"] == (mtype == winner)
