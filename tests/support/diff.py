"""Differential testing: send the same requests to the Go gateway and ours, compare what a client sees."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

OWN_PREFIXES = ("go_", "process_", "pushgateway_", "python_", "promhttp_")
TIMESTAMP_FAMILIES = ("push_time_seconds", "push_failure_time_seconds")
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$")
_PARSE_ERROR = re.compile(r"^text format parsing error in line (\d+):")


@dataclass
class Req:
    """One request of a differential case."""

    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.body[:80]!r} {self.headers or ''}"


@dataclass
class Seen:
    """What a client observed for one request."""

    status: int
    headers: dict[str, str]
    body: bytes


def send(client: httpx.Client, base: str, req: Req) -> Seen:
    # Build the URL by hand so httpx sends the path bytes exactly as given (no normalisation).
    request = client.build_request(req.method, base, content=req.body, headers=req.headers)
    raw = req.path.encode("latin-1") if isinstance(req.path, str) else req.path
    request.url = request.url.copy_with(raw_path=raw)
    response = client.send(request)
    return Seen(response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.content)


def _own(name: str) -> bool:
    return name.startswith(OWN_PREFIXES)


_UNESCAPE = re.compile(r"\\(.)")


def _labels(text: str | None) -> list[tuple[str, str]]:
    """Label pairs of an exposition line, values unescaped (gateways sort by the raw values)."""
    if not text:
        return []
    pairs = re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', text)
    return [(name, _UNESCAPE.sub(lambda m: "\n" if m.group(1) == "n" else m.group(1), value)) for name, value in pairs]


def normalise_metrics(text: str, *, resort: bool, drop_help_for: Iterable[str] = ()) -> list[str]:
    """Drop own metrics, zero/non-zero the push timestamps, optionally re-sort series blocks canonically."""
    drop_help = set(drop_help_for)
    families: list[tuple[str, list[str], list[list[str]]]] = []
    current: tuple[str, list[str], list[list[str]]] | None = None
    block_key: tuple[str, tuple[tuple[str, str], ...]] | None = None
    for line in text.split("\n"):
        if not line:
            continue
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            name = line.split(" ", 3)[2]
            if current is None or current[0] != name:
                current = (name, [], [])
                families.append(current)
                block_key = None
            if line.startswith("# HELP ") and name in drop_help:
                continue
            current[1].append(line)
            continue
        match = _SAMPLE.match(line)
        assert match is not None, f"unparsable exposition line {line!r}"
        assert current is not None
        name, label_text, value = match.groups()
        labels = _labels(label_text)
        base = tuple((n, v) for n, v in labels if n not in ("le", "quantile"))
        key = (current[0], base)
        if current[0] in TIMESTAMP_FAMILIES:
            value = "0" if value == "0" else "NONZERO"
        line = f"{name}{label_text or ''} {value}"
        if key != block_key:
            current[2].append([])
            block_key = key
        current[2][-1].append(line)
    out: list[str] = []
    for name, headers, blocks in families:
        if _own(name):
            continue
        out.extend(headers)
        if resort:

            def sort_key(block: list[str]) -> tuple[Any, ...]:
                m = _SAMPLE.match(block[0])
                assert m is not None
                pairs = [(n, v) for n, v in _labels(m.group(2)) if n not in ("le", "quantile")]
                return (len(pairs), *(v for _, v in pairs), *(n for n, _ in pairs))

            blocks = sorted(blocks, key=sort_key)
        for block in blocks:
            out.extend(block)
    return out


def normalise_api(body: bytes) -> list[dict[str, Any]]:
    """Groups sorted by labels; time stamps and push timestamps reduced to what is deterministic."""
    data = json.loads(body)
    assert data["status"] == "success"
    groups = []
    for group in data["data"]:
        out: dict[str, Any] = {}
        for key, value in group.items():
            if key in ("labels", "last_push_successful"):
                out[key] = value
                continue
            family = dict(value)
            assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", family.pop("time_stamp"))
            if key in TIMESTAMP_FAMILIES:
                family["metrics"] = [
                    {**m, "value": "0" if m.get("value") == "0" else "NONZERO"} for m in family["metrics"]
                ]
            out[key] = family
        groups.append(out)
    groups.sort(key=lambda g: json.dumps(g.get("labels"), sort_keys=True))
    return groups


def conflicting_helps(api_groups: list[dict[str, Any]]) -> set[str]:
    """Families whose HELP differs between groups (Go's /metrics HELP is random for those)."""
    helps: dict[str, set[str | None]] = {}
    for group in api_groups:
        for key, value in group.items():
            if isinstance(value, dict) and "metrics" in value:
                helps.setdefault(key, set()).add(value.get("help"))
    return {name for name, values in helps.items() if len(values) > 1}


class Pair:
    """The Go gateway and ours, driven in lockstep."""

    def __init__(self, go_url: str, our_url: str) -> None:
        self.go_url = go_url
        self.our_url = our_url
        self.go = httpx.Client(timeout=30, follow_redirects=False)
        self.ours = httpx.Client(timeout=30, follow_redirects=False)
        self.async_pending = False

    def close(self) -> None:
        self.go.close()
        self.ours.close()

    def exchange(self, req: Req, *, compare_body: bool = False) -> tuple[Seen, Seen]:
        """Send to both and assert the client-visible answer is the same."""
        go = send(self.go, self.go_url, req)
        ours = send(self.ours, self.our_url, req)
        context = f"{req}\n go:   {go.status} {go.body[:300]!r}\n ours: {ours.status} {ours.body[:300]!r}"
        assert ours.status == go.status, f"status differs for {context}"
        if go.status == 202:
            self.async_pending = True
        for header in ("location", "allow", "content-encoding"):
            assert ours.headers.get(header) == go.headers.get(header), f"{header} differs for {context}"
        if go.status in (200, 400, 403, 404, 405, 500) and go.body:
            go_type = go.headers.get("content-type", "").split(";")[0]
            our_type = ours.headers.get("content-type", "").split(";")[0]
            assert our_type == go_type, f"content-type differs for {context}"
        match = _PARSE_ERROR.match(go.body.decode("utf-8", "replace"))
        if match:
            assert ours.body.decode("utf-8", "replace").startswith(match.group(0)), (
                f"parse error line differs: {context}"
            )
        if compare_body:
            assert ours.body == go.body, f"body differs for {context}"
        return go, ours

    def run(self, requests: Sequence[Req]) -> None:
        for req in requests:
            self.exchange(req)

    def settle(self) -> None:
        """Let the Go gateway's write queue apply 202-acknowledged writes."""
        if self.async_pending:
            time.sleep(0.05)
            self.async_pending = False

    def compare_state(
        self, *, retries: int = 10, prefix: str = "", telemetry: str = "/metrics"
    ) -> tuple[str, list[dict[str, Any]]]:
        """Assert the same /api/v1/metrics groups and the same normalised /metrics."""
        self.settle()
        for attempt in range(retries):
            go_api = normalise_api(self.go.get(self.go_url + prefix + "/api/v1/metrics").content)
            our_api = normalise_api(self.ours.get(self.our_url + prefix + "/api/v1/metrics").content)
            if go_api == our_api or attempt == retries - 1:
                break
            time.sleep(0.05)
        assert our_api == go_api, (
            "API groups differ:\n go:   "
            + json.dumps(go_api, sort_keys=True)
            + "\n ours: "
            + json.dumps(our_api, sort_keys=True)
        )
        go_metrics = self.go.get(self.go_url + prefix + telemetry)
        our_metrics = self.ours.get(self.our_url + prefix + telemetry)
        assert our_metrics.status_code == go_metrics.status_code, (
            f"/metrics status differs: go {go_metrics.status_code} {go_metrics.text[:300]} ours {our_metrics.status_code}"
        )
        drop = conflicting_helps(go_api)
        go_lines = normalise_metrics(go_metrics.text, resort=True, drop_help_for=drop)
        our_lines = normalise_metrics(our_metrics.text, resort=False, drop_help_for=drop)
        assert our_lines == go_lines, "/metrics differs:\n" + "\n".join(
            f"{'  ' if a == b else '!!'} go: {a!r:60} ours: {b!r}" for a, b in _zip_longest(go_lines, our_lines)
        )
        return our_metrics.text, our_api


def _zip_longest(a: list[str], b: list[str]) -> Iterable[tuple[str, str]]:
    for i in range(max(len(a), len(b))):
        yield (a[i] if i < len(a) else "<none>", b[i] if i < len(b) else "<none>")
