"""A recording fake `Gateway` for handler tests (pushgateway's `MockMetricStore`): canned answers, every call noted."""

from __future__ import annotations

import asyncio
import gzip
from typing import Any

from bridge.gateway.config import GatewayConfig
from bridge.gateway.ownmetrics import OwnMetrics, build_info
from bridge.gateway.store.types import Group
from bridge.gateway.verdict import ACCEPTED, Verdict
from bridge.protocol.model import MetricFamily


class FakeGateway:
    """Answers what the test sets (`verdict`, `found`, `raises`) and notes every write in `calls`."""

    def __init__(self, config: GatewayConfig | None = None, *, verdict: Verdict = ACCEPTED) -> None:
        self.config = config or GatewayConfig()
        self.verdict = verdict
        self.found = True
        """What `delete`, `delete_family` answer: whether the group (family) existed."""
        self.raises: BaseException | None = None
        """Raised by every write instead of answering."""
        self.calls: list[tuple[Any, ...]] = []
        self.stored: list[Group] = []
        """What `groups()` lists."""
        self.build_info = build_info()
        self.own = OwnMetrics(self.build_info)
        self.quit = asyncio.Event()
        self.healthy_error: str | None = None
        self.roles_enabled = False

    def _answer(self, *call: Any) -> None:
        self.calls.append(call)
        if self.raises is not None:
            raise self.raises

    async def push(self, grouping: dict[str, str], families: dict[str, MetricFamily], *, replace: bool) -> Verdict:
        self._answer("push", grouping, sorted(families), replace)
        return self.verdict

    async def delete(self, grouping: dict[str, str], **_: Any) -> bool:
        self._answer("delete", grouping)
        return self.found

    async def delete_family(self, grouping: dict[str, str], name: str) -> bool:
        self._answer("delete_family", grouping, name)
        return self.found

    async def wipe(self) -> int:
        self._answer("wipe")
        return len(self.stored)

    def groups(self) -> list[Group]:
        return list(self.stored)

    def own_families(self) -> list[MetricFamily]:
        return []

    def metrics_families(self) -> list[MetricFamily]:
        return []

    def metrics_text(self) -> bytes:
        return b"# the text exposition\n"

    def metrics_text_gzip(self) -> bytes:
        return gzip.compress(self.metrics_text())

    def metrics_protobuf(self) -> bytes:
        return b""

    def api_metrics(self) -> bytes:
        return b'{"status":"success","data":[]}'

    def api_status(self) -> bytes:
        return b'{"status":"success","data":{}}'
