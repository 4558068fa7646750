"""Hardening limits in a real process: body size (413, also after gzip), series per push and groups (400 with the reason)."""

from __future__ import annotations

import gzip
from typing import Any

import httpx

from tests.e2e.conftest import StartBridge
from tests.e2e.helpers import TIMESTAMP_FAMILIES, api_groups, family_blocks, groups_by_labels

PUSHED = ("limit_value", "g1_value", "g2_value", "g3_value", *TIMESTAMP_FAMILIES)


def snapshot(client: httpx.Client) -> tuple[dict[Any, Any], str]:
    """The pushed state as the API and the exposition show it (the gateway's own metrics excluded)."""
    return groups_by_labels(api_groups(client)), family_blocks(client.get("/metrics").text, PUSHED)


def series(count: int, name: str = "limit_value") -> bytes:
    return "".join(f'{name}{{n="{i}"}} {i}\n' for i in range(count)).encode()


def test_body_size_limit(bridge: StartBridge) -> None:
    server = bridge(["--web.max-request-bytes=4096"])
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.put("/metrics/job/small", content=series(10)).status_code == 200
        before = snapshot(client)
        big = series(400)
        assert len(big) > 4096
        answer = client.put("/metrics/job/big", content=big)
        assert answer.status_code == 413, answer.text
        # A gzip body that is small on the wire but large once decoded.
        bomb = gzip.compress(b"# " + b"x" * 1_000_000 + b"\nlimit_value 1\n")
        assert len(bomb) < 4096
        answer = client.put("/metrics/job/bomb", content=bomb, headers={"Content-Encoding": "gzip"})
        assert answer.status_code == 413, answer.text
        assert snapshot(client) == before, "a refused body changed the store"
        # Within the limit, gzip works as usual.
        ok = client.put("/metrics/job/gz", content=gzip.compress(series(20)), headers={"Content-Encoding": "gzip"})
        assert ok.status_code == 200, ok.text


def test_default_body_limit_is_generous(bridge: StartBridge) -> None:
    """Compatibility: upstream has no limit; a multi-megabyte push must work out of the box."""
    server = bridge()
    body = series(40_000)
    assert len(body) > 1_000_000
    with httpx.Client(base_url=server.url, timeout=60) as client:
        assert client.put("/metrics/job/large", content=body).status_code == 200
        groups = api_groups(client)
    assert len(groups[0]["limit_value"]["metrics"]) == 40_000


def test_series_per_push_limit(bridge: StartBridge) -> None:
    server = bridge(["--push.max-series=3"])
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.put("/metrics/job/three", content=series(3)).status_code == 200
        before = snapshot(client)
        answer = client.put("/metrics/job/four", content=series(4))
        assert answer.status_code == 400
        assert "4 series" in answer.text and "--push.max-series" in answer.text, answer.text
        assert snapshot(client) == before


def test_group_limit(bridge: StartBridge) -> None:
    server = bridge(["--push.max-groups=2"])
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.put("/metrics/job/g1", content=series(1, "g1_value")).status_code == 200
        assert client.put("/metrics/job/g2", content=series(1, "g2_value")).status_code == 200
        before = snapshot(client)
        answer = client.put("/metrics/job/g3", content=series(1, "g3_value"))
        assert answer.status_code == 400
        assert "--push.max-groups" in answer.text, answer.text
        assert snapshot(client) == before
        # Existing groups still take pushes; a freed slot can be used.
        assert client.post("/metrics/job/g1", content=series(2, "g1_value")).status_code == 200
        assert client.delete("/metrics/job/g2").status_code == 202
        assert client.put("/metrics/job/g3", content=series(1, "g3_value")).status_code == 200
        assert {g["labels"]["job"] for g in api_groups(client)} == {"g1", "g3"}
