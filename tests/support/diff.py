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
from tests.support.normalise import (
    conflicting_helps,
    normalise_answer,
    normalise_api,
    normalise_metrics,
    normalise_state,
)

__all__ = [
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


@dataclass(frozen=True)
class Case:
    """A named request sequence and the flags both gateways run it with."""

    requests: Sequence[Req]
    go_args: tuple[str, ...] = ("--web.enable-admin-api",)
    config: Mapping[str, Any] = field(default_factory=lambda: {"enable_admin_api": True})
    prefix: str = ""
    telemetry: str = "/metrics"
    state: bool = True

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


def send(client: httpx.Client, base: str, req: Req) -> Seen:
    request = client.build_request(req.method, base, content=req.body, headers=req.headers)
    raw = req.path.encode("latin-1") if isinstance(req.path, str) else req.path
    request.url = request.url.copy_with(raw_path=raw)
    # httpx's URL removes `.` and `..` segments; the request target goes out exactly as written.
    request.extensions["target"] = raw
    response = client.send(request)
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
    """The Go gateway and ours, driven in lockstep."""

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
            if ours != go:
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
