"""Helpers for end-to-end tests: polling with deadlines, the CLI as a user runs it, API and exposition readers."""

from __future__ import annotations

import calendar
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.support import metrics_pb
from tests.support.servers import REPO, free_port

T = TypeVar("T")

TIMESTAMP_FAMILIES = ("push_time_seconds", "push_failure_time_seconds")
_RFC3339 = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$")


def poll(probe: Callable[[], T | None], *, timeout: float, what: str, interval: float = 0.05) -> T:
    """Call `probe` until it returns something truthy; fail with `what` and the last value after `timeout`."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")
        time.sleep(interval)


def run_serve(args: Sequence[str], *, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
    """Run `python -m bridge serve ARGS` on a free loopback port and wait for it to exit by itself.

    A process that is still running after `timeout` (it started serving instead of refusing) is
    killed and the test fails.
    """
    cmd = [sys.executable, "-m", "bridge", "serve", f"--web.listen-address=127.0.0.1:{free_port()}", *args]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"`{' '.join(cmd)}` did not exit within {timeout}s; stderr:\n{err}") from None
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def parse_rfc3339_ns(text: str) -> int:
    """Nanoseconds since the epoch of an RFC 3339 time with up to nanosecond precision (the API's time_stamp)."""
    match = _RFC3339.match(text)
    if match is None:
        raise ValueError(f"not an RFC 3339 time: {text!r}")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction = (match.group(7) or "").ljust(9, "0")
    zone = match.group(8)
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        seconds -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return seconds * 1_000_000_000 + int(fraction)


def api_groups(client: httpx.Client) -> list[dict[str, Any]]:
    """The groups of `GET /api/v1/metrics`."""
    response = client.get("/api/v1/metrics")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success", body
    groups: list[dict[str, Any]] = body["data"]
    return groups


def groups_by_labels(groups: Iterable[dict[str, Any]]) -> dict[tuple[tuple[str, str], ...], dict[str, Any]]:
    """API groups keyed by their sorted grouping labels."""
    out: dict[tuple[tuple[str, str], ...], dict[str, Any]] = {}
    for group in groups:
        key = tuple(sorted(group["labels"].items()))
        assert key not in out, f"group {key} listed twice"
        out[key] = group
    return out


def label_key(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """The sorted label pairs used as a group key by `groups_by_labels`."""
    return tuple(sorted(labels.items()))


def family_blocks(text: str, names: Iterable[str]) -> str:
    """The lines of a text exposition that belong to the named families (HELP, TYPE and samples), in order."""
    wanted = set(names)
    out: list[str] = []
    current: str | None = None
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            current = line.split(" ", 3)[2]
        elif line and not line.startswith("#"):
            name = re.split(r"[{ ]", line, maxsplit=1)[0]
            if current is None or not name.startswith(current):
                current = name
        if current in wanted:
            out.append(line)
    return "\n".join(out)


def siblings(path: Path) -> set[str]:
    """Names in the file's directory that start with the file's name (SQLite's -wal/-shm/-journal)."""
    return {p.name for p in path.parent.iterdir() if p.name.startswith(path.name)}


def client_view(
    url: str, families: Iterable[str]
) -> tuple[dict[tuple[tuple[str, str], ...], dict[str, Any]], str, list[bytes]]:
    """Everything a client can see of these families: API groups, their text blocks, their protobuf."""
    names = tuple(families)
    with httpx.Client(base_url=url, timeout=10) as client:
        api = groups_by_labels(api_groups(client))
        text = client.get("/metrics")
        assert text.status_code == 200, text.text
        proto = client.get("/metrics", headers={"Accept": metrics_pb.PROTO_CT})
        assert proto.status_code == 200
    encoded = [
        mf.SerializeToString(deterministic=True) for mf in metrics_pb.parse_delimited(proto.content) if mf.name in names
    ]
    return api, family_blocks(text.text, names), encoded
