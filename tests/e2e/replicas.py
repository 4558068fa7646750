"""Helpers for replica tests: start N `pgw-bridge serve --storage.postgres` processes, read their storage state, wait for them to agree."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import httpx

from tests.e2e.conftest import StartBridge
from tests.e2e.helpers import poll
from tests.support.servers import BridgeProcess


def replica_args(dsn: str, name: str, *extra: str, timeout: str = "2s") -> list[str]:
    return [
        f"--storage.postgres={dsn}",
        f"--storage.postgres.replica={name}",
        f"--storage.postgres.timeout={timeout}",
        *extra,
    ]


def start_replicas(bridge: StartBridge, dsn: str, count: int, *extra: str, timeout: str = "2s") -> list[BridgeProcess]:
    """`count` replicas on one database, named r0, r1, …"""
    return [bridge(replica_args(dsn, f"r{i}", *extra, timeout=timeout)) for i in range(count)]


def storage_state(url: str) -> dict[str, Any] | None:
    """What `/api/v1/extensions` says of the replica's storage, or None if it does not answer."""
    try:
        answer = httpx.get(f"{url}/api/v1/extensions", timeout=5)
    except httpx.HTTPError:
        return None
    if answer.status_code != 200:
        return None
    state: dict[str, Any] = answer.json()["data"]["storage"]
    return state


def wait_converged(urls: Sequence[str], *, timeout: float = 30, at_least: int = 0) -> int:
    """Wait until every replica is up and stands at the same feed position (≥ `at_least`); that position."""

    def agreed() -> int | None:
        states = [storage_state(url) for url in urls]
        if any(s is None or not s["up"] or s["seq"] is None for s in states):
            return None
        seqs: set[int] = {s["seq"] for s in states if s is not None}
        if len(seqs) == 1 and (seq := seqs.pop()) >= at_least:
            return seq + 1  # truthy even at 0
        return None

    return poll(agreed, timeout=timeout, what=f"replicas {list(urls)} to agree") - 1


def gauge(url: str, name: str) -> float | None:
    """A value of the replica's own `name` family from `/metrics`, or None."""
    try:
        text = httpx.get(f"{url}/metrics", timeout=5).text
    except httpx.HTTPError:
        return None
    match = re.search(rf"^{re.escape(name)}(?:{{[^}}]*}})? (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else None
