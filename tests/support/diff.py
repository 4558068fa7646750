"""Differential testing: send the same requests to the Go gateway and ours, compare what a client sees."""

from __future__ import annotations

import difflib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from bridge.gateway.config import GatewayConfig
from bridge.protocol.formats import (
    PROTOBUF_COMPACT_CONTENT_TYPE,
    PROTOBUF_DELIMITED_CONTENT_TYPE,
    PROTOBUF_TEXT_CONTENT_TYPE,
    TEXT_CONTENT_TYPE,
)
from tests.support.normalise import (
    INCONSISTENT,
    conflicting_helps,
    normalise_answer,
    normalise_api,
    normalise_metrics,
    normalise_state,
)
from tests.support.servers import GO_1_5, GO_1_11

__all__ = [
    "BOTH",
    "NO_RESPONSE",
    "ONLY_1_5",
    "ONLY_1_11",
    "Case",
    "Pair",
    "Req",
    "Seen",
    "Side",
    "Transcript",
    "conflicting_helps",
    "normalise_api",
    "normalise_metrics",
]


@dataclass
class Req:
    """One request of a differential case."""

    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.body[:80]!r} {self.headers or ''}"

    def describe(self) -> str:
        """One readable line for golden files (the case digest pins the exact bytes)."""
        path = self.path if len(self.path) <= 160 else f"{self.path[:150]}…({len(self.path)} chars)"
        text = f"{self.method} {path}"
        if self.headers:
            text += " " + json.dumps(self.headers, ensure_ascii=False)
        if self.body:
            more = "…" if len(self.body) > 60 else ""
            shown = self.body[:60].decode("utf-8", "replace")
            if all(c.isprintable() or c in "\n\r\t" for c in shown) and "\ufffd" not in shown:
                text += f" body({len(self.body)}): {shown}{more}"
            else:
                text += f" body({len(self.body)}, hex): {self.body[:24].hex(' ')}{more}"
        return text


BOTH = frozenset({GO_1_11, GO_1_5})
ONLY_1_11 = frozenset({GO_1_11})
"""For behaviour 1.5.1 does not have (or has differently: that row goes to test_deliberate)."""
ONLY_1_5 = frozenset({GO_1_5})
"""For behaviour 1.11.0 gets wrong and ours fixes (its row goes to test_deliberate)."""


@dataclass(frozen=True)
class Case:
    """A named request sequence, the flags both gateways run it with, and the Go versions it is checked against.

    `versions` defaults to both oracles: a case without a tag must give the same answers on 1.11.0
    and 1.5.1 (and ours). It is not part of the golden digest: tagging a case keeps its answers.
    """

    requests: Sequence[Req]
    go_args: tuple[str, ...] = ("--web.enable-admin-api",)
    config: Mapping[str, Any] = field(default_factory=lambda: {"enable_admin_api": True})
    prefix: str = ""
    telemetry: str = "/metrics"
    state: bool = True
    versions: frozenset[str] = BOTH

    def gateway_config(self) -> GatewayConfig:
        """A fresh config (servers write their listen address into it)."""
        return GatewayConfig(**self.config)


@dataclass
class Seen:
    """What a client observed for one request."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Transcript:
    """What one gateway answered to a case, normalised: what a golden file stores for Go."""

    answers: list[dict[str, Any]]
    state: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        return {"answers": self.answers, "state": self.state}


NO_RESPONSE = "no response: the connection was closed"
"""What a transcript records where Go closed the connection without answering (1.11.0's panics)."""


SCRAPE_CONTENT_TYPES = frozenset(
    {TEXT_CONTENT_TYPE, PROTOBUF_DELIMITED_CONTENT_TYPE, PROTOBUF_TEXT_CONTENT_TYPE, PROTOBUF_COMPACT_CONTENT_TYPE}
)
"""The `/metrics` Content-Types as 1.5.1 answers them: without the `; escaping=…` term 1.8+ appends."""


def _without_escaping_term(go_type: str, ours_type: str) -> str:
    """Ours' Content-Type with its escaping term removed where Go's is a 1.5.1 scrape type (which has none)."""
    if go_type in SCRAPE_CONTENT_TYPES and ours_type.startswith(go_type + "; escaping="):
        return go_type
    return ours_type


def same_answer(go: Mapping[str, Any], ours: Mapping[str, Any]) -> bool:
    """Whether ours answered as Go did, counting the two known discrepancies below as the same.

    Go 1.11.0 drops the connection instead of answering a consistency rejection with 400 (its
    logger panics, test_deliberate shows it); ours answers the 400 that 1.5.1 and a fixed 1.11
    give, and both record the failure (the state comparison checks that). Any other dropped
    connection is a difference. And 1.5.1 has no escaping term: its scrape Content-Types lack
    the `; escaping=…` that 1.11 (and ours) append, so that term alone is not a difference.
    1.11.0's answers always carry it, so against 1.11.0 the term is compared in full.
    """
    if go.get("status") == NO_RESPONSE:
        return ours.get("status") == 400 and ours.get("body") == INCONSISTENT + ": …"
    go_headers, ours_headers = go.get("headers"), ours.get("headers")
    if isinstance(go_headers, Mapping) and isinstance(ours_headers, Mapping) and "content-type" in ours_headers:
        content_type = _without_escaping_term(str(go_headers.get("content-type", "")), ours_headers["content-type"])
        ours = {**ours, "headers": {**ours_headers, "content-type": content_type}}
    return dict(go) == dict(ours)


def as_go_would_show(recorded: Sequence[Mapping[str, Any]], ours: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Our answers, each one that `same_answer` pairs with the recorded Go answer shown as that answer."""
    return [dict(recorded[i]) if i < len(recorded) and same_answer(recorded[i], o) else o for i, o in enumerate(ours)]


def send(client: httpx.Client, base: str, req: Req) -> Seen | None:
    request = client.build_request(req.method, base, content=req.body, headers=req.headers)
    raw = req.path.encode("latin-1") if isinstance(req.path, str) else req.path
    request.url = request.url.copy_with(raw_path=raw)
    # httpx's URL removes `.` and `..` segments; the request target goes out exactly as written.
    request.extensions["target"] = raw
    try:
        response = client.send(request)
    except httpx.RemoteProtocolError:
        return None
    return Seen(response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.content)


def explain(what: str, expected: Any, got: Any, *, expected_name: str = "go", got_name: str = "ours") -> str:
    """A unified diff of two normalised values, for assertion messages."""
    lines = difflib.unified_diff(
        json.dumps(expected, indent=1, ensure_ascii=False).splitlines(),
        json.dumps(got, indent=1, ensure_ascii=False).splitlines(),
        expected_name,
        got_name,
        n=3,
        lineterm="",
    )
    return f"{what}\n" + "\n".join(lines)


class Side:
    """One gateway as a client sees it, answers normalised (`resort` for Go's random series order)."""

    def __init__(self, client: httpx.Client, base: str, *, resort: bool) -> None:
        self.client = client
        self.base = base
        self.resort = resort

    def answer(self, req: Req) -> dict[str, Any]:
        seen = send(self.client, self.base, req)
        if seen is None:
            return {"status": NO_RESPONSE}
        return normalise_answer(seen.status, seen.headers, seen.body, resort=self.resort)

    def state(self, prefix: str = "", telemetry: str = "/metrics") -> dict[str, Any]:
        api = self.client.get(self.base + prefix + "/api/v1/metrics")
        metrics = self.client.get(self.base + prefix + telemetry)
        content_type = metrics.headers.get("content-type", "")
        return normalise_state(api.content, metrics.status_code, metrics.content, content_type, resort=self.resort)

    def play(self, case: Case) -> Transcript:
        """Send a case's requests in order, then read the state (ours answers synchronously)."""
        answers = [{"request": req.describe(), **self.answer(req)} for req in case.requests]
        state = self.state(case.prefix, case.telemetry) if case.state else None
        return Transcript(answers, state)


class Pair:
    """The Go gateway and ours, driven in lockstep (answers compared by `same_answer`)."""

    def __init__(self, go_url: str, our_url: str) -> None:
        self.go_url = go_url
        self.our_url = our_url
        self.go = httpx.Client(timeout=30, follow_redirects=False)
        self.ours = httpx.Client(timeout=30, follow_redirects=False)
        self.go_side = Side(self.go, go_url, resort=True)
        self.our_side = Side(self.ours, our_url, resort=False)
        self.async_pending = False

    def close(self) -> None:
        self.go.close()
        self.ours.close()

    def play(self, case: Case) -> tuple[Transcript, list[str]]:
        """Send every request to both; Go's transcript and each place where ours answered differently."""
        answers: list[dict[str, Any]] = []
        differences: list[str] = []
        for req in case.requests:
            go, ours = self.go_side.answer(req), self.our_side.answer(req)
            answers.append({"request": req.describe(), **go})
            if go["status"] == 202:
                self.async_pending = True
            if not same_answer(go, ours):
                differences.append(explain(f"answer differs for {req}", go, ours))
        state = None
        if case.state:
            state, ours_state = self._states(case.prefix, case.telemetry)
            if ours_state != state:
                differences.append(explain("state differs", state, ours_state))
        return Transcript(answers, state), differences

    def run(self, requests: Sequence[Req]) -> None:
        """Send every request to both and assert the client-visible answers are the same."""
        _, differences = self.play(Case(requests, state=False))
        assert not differences, "\n".join(differences)

    def settle(self) -> None:
        """Let the Go gateway's write queue apply 202-acknowledged writes."""
        if self.async_pending:
            time.sleep(0.05)
            self.async_pending = False

    def _states(self, prefix: str, telemetry: str, retries: int = 10) -> tuple[dict[str, Any], dict[str, Any]]:
        self.settle()
        for _ in range(retries):
            go, ours = self.go_side.state(prefix, telemetry), self.our_side.state(prefix, telemetry)
            if go == ours:
                break
            time.sleep(0.05)
        return go, ours

    def compare_state(self, *, prefix: str = "", telemetry: str = "/metrics") -> None:
        """Assert the same /api/v1/metrics groups and the same normalised /metrics."""
        go, ours = self._states(prefix, telemetry)
        assert ours == go, explain("state differs", go, ours)
