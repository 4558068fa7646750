"""The crash test: a loaded `pgw-bridge serve --persistence.file` is SIGKILLed at random moments; nothing acknowledged is lost."""

from __future__ import annotations

import os
import random
import signal
import socket
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import StartBridge
from tests.e2e.crashload import Checker, Labels, Load, Observed, make_groups
from tests.e2e.helpers import TIMESTAMP_FAMILIES, api_groups, client_view, groups_by_labels, poll
from tests.support.servers import BridgeProcess

pytestmark = pytest.mark.slow

CLIENTS = 4
ROUNDS = 10
USER_FAMILIES = (
    "crash_gauge",
    "crash_ops_total",
    "crash_latency_seconds",
    "crash_size_bytes",
    "crash_untyped",
    *TIMESTAMP_FAMILIES,
)


@pytest.fixture
def seed() -> int:
    """The randomness of the run (kill moments, operation mix); printed so a failure can be replayed."""
    value = int(os.environ.get("PGW_CRASH_SEED") or random.randrange(2**31))
    print(f"crash test seed {value}: rerun with PGW_CRASH_SEED={value}")
    return value


def _snapshot(server: BridgeProcess) -> tuple[dict[Labels, dict[str, Any]], str, list[bytes]]:
    """Everything a client can see of the pushed groups: API JSON, text and protobuf exposition."""
    return client_view(server.url, USER_FAMILIES)


def _observe_after_restart(
    bridge: StartBridge, args: list[str], checker: Checker
) -> tuple[BridgeProcess, dict[Labels, Observed]]:
    server = bridge(args)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        scrape = client.get("/metrics")
        assert scrape.status_code == 200, f"restored store does not scrape: {scrape.text}"
        return server, checker.observe(client)


@pytest.mark.parametrize(("mode", "rounds"), [("default", ROUNDS), ("fsync", 4)])
def test_sigkill_at_random_moments_loses_nothing_acknowledged(
    bridge: StartBridge, tmp_path: Path, seed: int, mode: str, rounds: int
) -> None:
    db = tmp_path / "pgw.sqlite"
    args = [f"--persistence.file={db}", "--web.enable-admin-api"]
    if mode == "fsync":
        args.append("--persistence.fsync")
    own, shared = make_groups(CLIENTS)
    groups = own + shared
    checker = Checker(groups)
    rng = random.Random(seed)
    server = bridge(args)
    results = []
    started = time.monotonic()
    for number in range(rounds):
        load = Load(server.url, groups, len(own), seed + number, CLIENTS)
        load.start()
        target = rng.randint(30, 600)
        try:
            load.wait_acked(target)
            time.sleep(rng.uniform(0, 0.02))
        finally:
            server.kill()
        load.join()
        context = f"seed {seed} round {number} (killed after {load.acked} acknowledged writes)"
        assert not load.unexpected(), f"{context}: {[op.describe() for op in load.unexpected()]}"
        server, observed = _observe_after_restart(bridge, args, checker)
        results.append(checker.check_round(load.ops, observed, context))
    print(f"crash rounds ({mode}): {results}; {time.monotonic() - started:.1f}s")
    assert sum(r["acked"] for r in results) >= rounds * 20
    assert any(r["groups"] for r in results), "no round left any group to check"

    # A graceful restart after all that restores exactly what a client saw.
    before = _snapshot(server)
    assert server.stop(signal.SIGTERM) == 0
    server = bridge(args)
    after = _snapshot(server)
    assert after[0] == before[0], "API groups differ after a graceful restart"
    assert after[1] == before[1], "text exposition differs after a graceful restart"
    assert after[2] == before[2], "protobuf exposition differs after a graceful restart"


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT", "quit"])
def test_graceful_stop_during_load_loses_nothing_acknowledged(
    bridge: StartBridge, tmp_path: Path, seed: int, how: str
) -> None:
    db = tmp_path / "pgw.sqlite"
    args = [f"--persistence.file={db}", "--web.enable-lifecycle", "--web.enable-admin-api"]
    own, shared = make_groups(CLIENTS)
    groups = own + shared
    checker = Checker(groups)
    rng = random.Random(seed)
    server = bridge(args)
    load = Load(server.url, groups, len(own), seed, CLIENTS)
    load.start()
    try:
        load.wait_acked(rng.randint(50, 300))
        if how == "quit":
            answer = httpx.put(f"{server.url}/-/quit", timeout=10)
            assert (answer.status_code, answer.text) == (200, "Requesting termination... Goodbye!")
        else:
            server.proc.send_signal(getattr(signal, how))
        status = server.proc.wait(30)
    finally:
        load.join()
    context = f"seed {seed}, {how} after {load.acked} acknowledged writes"
    assert status == 0, f"{context}: exit status {status}"
    assert "exiting gracefully" in server.logs()
    assert not load.unexpected(), f"{context}: {[op.describe() for op in load.unexpected()]}"
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "graceful stop left an un-checkpointed WAL"
    _, observed = _observe_after_restart(bridge, args, checker)
    checker.check_round(load.ops, observed, context)


def test_sigterm_lets_an_in_flight_push_finish(bridge: StartBridge, tmp_path: Path) -> None:
    """A push whose body is still arriving when SIGTERM comes is answered and kept; new connections are not taken."""
    db = tmp_path / "pgw.sqlite"
    server = bridge([f"--persistence.file={db}"])
    body = b"# TYPE inflight_value gauge\ninflight_value 42\n"
    head = (
        "PUT /metrics/job/inflight HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: text/plain; version=0.0.4\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        sock.sendall(head + body[:10])
        # Once a later request on another connection is answered, the event loop has read this one's head.
        assert httpx.get(f"{server.url}/-/healthy").status_code == 200
        server.proc.send_signal(signal.SIGTERM)
        poll(lambda: "exiting gracefully" in server.logs(), timeout=10, what="the gateway to begin stopping")

        def refused() -> bool:
            try:
                httpx.get(f"{server.url}/-/healthy", timeout=2)
            except httpx.TransportError:
                return True
            return False

        poll(refused, timeout=10, what="the listening socket to close")
        assert server.proc.poll() is None, "the gateway exited with a request in flight"
        sock.sendall(body[10:])
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            assert chunk, f"connection closed without an answer: {answer!r}"
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200"), answer
    assert server.proc.wait(30) == 0
    restarted = bridge([f"--persistence.file={db}"])
    with httpx.Client(base_url=restarted.url, timeout=10) as client:
        group = groups_by_labels(api_groups(client))[(("job", "inflight"),)]
    assert group["inflight_value"]["metrics"][0]["value"] == "42"
