"""The gateway's domain operations: store + read models + own metrics + durability, no HTTP."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Protocol

from bridge.gateway.config import GatewayConfig
from bridge.gateway.deferred_free import drop_some, release_gradually
from bridge.gateway.ownmetrics import OwnMetrics, build_info
from bridge.gateway.reads.api import ApiCache, status_body
from bridge.gateway.reads.exposition import Exposition
from bridge.gateway.store.metric_store import Store
from bridge.gateway.store.types import Change, PushResult, StoredFamily
from bridge.protocol.model import MetricFamily

log = logging.getLogger("bridge.gateway")


Persisted = list[tuple[dict[str, str], dict[str, StoredFamily]]]


class Journal(Protocol):
    """Makes changes durable. `commit` returns once they are on disk."""

    def load(self) -> Persisted: ...

    def start(self, loop: asyncio.AbstractEventLoop, on_failure: Callable[[BaseException], None]) -> None: ...

    async def commit(self, changes: list[Change], *, alone: bool = False) -> None: ...

    async def close(self) -> None: ...


class MemoryJournal:
    """No durability: the in-memory default (`--persistence.file=""`)."""

    def load(self) -> Persisted:
        """Nothing was kept."""
        return []

    def start(self, loop: asyncio.AbstractEventLoop, on_failure: Callable[[BaseException], None]) -> None:
        """Nothing to start."""

    async def commit(self, changes: list[Change], *, alone: bool = False) -> None:
        """Nothing to write."""

    async def close(self) -> None:
        """Nothing to close."""


class Gateway:
    """Everything a Pushgateway does, callable in-process (the HTTP app and the spool bridge share it)."""

    def __init__(
        self,
        config: GatewayConfig | None = None,
        *,
        clock: Callable[[], int] = time.time_ns,
        journal: Journal | None = None,
        own: OwnMetrics | None = None,
    ) -> None:
        self.config = config or GatewayConfig()
        self.clock = clock
        self.journal: Journal = journal or MemoryJournal()
        self.build_info = build_info()
        self.own = own or OwnMetrics(self.build_info, clock)
        self.store = Store(self.own.families_known)
        self.exposition = Exposition(self.store)
        self.api = ApiCache(self.store)
        self.start_ns = clock()
        self.quit = asyncio.Event()
        self.healthy_error: str | None = None
        # HTTP requests being answered (the app counts them): a push alone may commit in place.
        self.requests_in_flight = 0
        self.roles_enabled = False
        self._releasing: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start durability on the running loop; a failed commit reloads the store from the journal."""
        self.journal.start(asyncio.get_running_loop(), lambda _error: self.reload(self.journal.load()))

    def restore(self, groups: Persisted) -> None:
        """Load persisted groups exactly as they were (values, HELP, timestamps, failure state)."""
        for labels, families in groups:
            self.store.restore_group(labels, families)

    def reload(self, groups: Persisted) -> None:
        """Replace the whole store with `groups` (after a failed commit: the file is the truth)."""
        self.store.wipe()
        self._free_released()
        self.restore(groups)

    async def push(self, grouping: dict[str, str], families: dict[str, MetricFamily], *, replace: bool) -> PushResult:
        """Check and apply a push, then wait until it is durable."""
        result = self.store.push(grouping, families, replace=replace, now_ns=self.clock())
        if result.changes:
            await self.journal.commit(result.changes, alone=self.requests_in_flight <= 1)
        if not result.accepted:
            log.debug("push rejected", extra={"kv": {"grouping": grouping, "err": "; ".join(result.errors)}})
        return result

    async def delete(self, grouping: dict[str, str]) -> bool:
        """Delete one group; True if it existed."""
        change = self.store.delete(grouping)
        if change is not None:
            await self.journal.commit([change], alone=self.requests_in_flight <= 1)
        return change is not None

    async def delete_family(self, grouping: dict[str, str], name: str) -> bool:
        """Extension: delete one family of a group; True if it existed.

        Raises:
            ValueError: the family is one of the gateway-managed timestamps.

        """
        change = self.store.delete_family(grouping, name)
        if change is not None:
            await self.journal.commit([change], alone=self.requests_in_flight <= 1)
        return change is not None

    async def wipe(self) -> int:
        """Delete every group; the number deleted."""
        count = len(self.store.groups)
        change = self.store.wipe()
        self._free_released()
        if change is not None:
            await self.journal.commit([change], alone=self.requests_in_flight <= 1)
        return count

    def _free_released(self) -> None:
        """Free what a wipe dropped in the background, a batch at a time (at once without a running loop)."""
        if self._releasing is not None and not self._releasing.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            while drop_some(self.store.released):
                pass
            return
        self._releasing = loop.create_task(release_gradually(self.store.released))

    def own_families(self) -> list[MetricFamily]:
        """The gateway's own metrics right now."""
        return self.own.families()

    def metrics_text(self) -> bytes:
        """The `/metrics` text exposition."""
        return self.exposition.text(self.own_families())

    def metrics_text_gzip(self) -> bytes:
        """The `/metrics` text exposition, gzip-compressed (from cached compressed chunks)."""
        return self.exposition.gzip_text(self.own_families())

    def metrics_protobuf(self) -> bytes:
        """The `/metrics` delimited protobuf exposition."""
        return self.exposition.protobuf(self.own_families())

    def api_metrics(self) -> bytes:
        """The `/api/v1/metrics` body."""
        return self.api.metrics_body()

    def api_status(self) -> bytes:
        """The `/api/v1/status` body."""
        info = {
            "branch": self.build_info["branch"],
            "buildDate": "",
            "buildUser": "",
            "goVersion": self.build_info["goversion"],
            "revision": self.build_info["revision"],
            "version": self.build_info["version"],
        }
        return status_body(info, self.config.flags(), self.start_ns)

    async def close(self) -> None:
        """Flush and close the journal."""
        if self._releasing is not None:
            self._releasing.cancel()
        await self.journal.close()
