"""Issue 12's small-store figures with every server up at once, measured in alternating rounds (load drift hits all alike).

The sequential scenarios measure one server minutes after the other; on a shared machine the
load moves in between, and the small-store ratios (push p50 on an empty store, pushes/s with 16
clients and 10 groups) move with it by a third. Here the four servers run side by side, idle
while another is measured, and each figure is the median of `rounds` rounds, each round
measuring every server once, in turn.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from bench import load
from bench.procs import GO_KINDS, Server, go_server, our_server


def run(kinds: list[str], work: Path, rounds: int, wrk_seconds: float, log: Any) -> dict[str, Any]:
    """{kind: {"p50_ms", "pushes_per_s", "rounds": [...]}} for every kind."""
    servers: dict[str, Server] = {}
    try:
        for kind in kinds:
            if kind in GO_KINDS:
                servers[kind] = go_server(work, "h2h", kind=kind).start()
            else:
                db = work / f"h2h-{kind}.sqlite" if kind == "durable" else None
                servers[kind] = our_server(work, f"h2h-{kind}", persistence=db).start()
        p50: dict[str, list[float]] = {kind: [] for kind in kinds}
        rates: dict[str, list[float]] = {kind: [] for kind in kinds}
        for _ in range(rounds):  # the empty store first: one group, pushed over and over
            for kind, server in servers.items():
                server.wait_idle()
                p50[kind].append(statistics.median(load.push_latency(server.port, 0, 200).ms))
        for server in servers.values():
            load.fill(server.port, 0, 10)
        for n in range(rounds):
            for kind, server in servers.items():
                server.wait_idle()
                rates[kind].append(load.wrk(server.port, 10, wrk_seconds)["pushes_per_s"])
            log(f"head to head, round {n + 1}: " + ", ".join(f"{k} {rates[k][-1]:.0f}/s" for k in kinds))
    finally:
        for kind, server in servers.items():
            server.stop(kill=kind in GO_KINDS)
    return {
        kind: {
            "p50_ms": statistics.median(p50[kind]),
            "pushes_per_s": statistics.median(rates[kind]),
            "rounds": {"p50_ms": p50[kind], "pushes_per_s": rates[kind]},
        }
        for kind in kinds
    }
