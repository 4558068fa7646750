"""The `Gateway` service: the only way into the store; every rule of a write decided here, once.

Writes (push, delete, family delete, wipe) are decided against the in-memory store under the
storage's write lock and answered once durable (`storage.interface`); a push's `Verdict`
carries the Go-formatted message every edge shows as is (HTTP 400 body, the spool's `.error`).
Reads come from the read models (`reads`) and from `groups()` / `group()`.

Ownership: a push hands its families over (`Consumed`): the store sanitises and keeps them
(copying would cost a few per cent of every push, see `store.types.Consumed`).
Concurrency: every method runs on the event loop that serves the gateway.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from bridge.gateway.config import GatewayConfig
from bridge.gateway.deferred_free import drop_some, release_gradually
from bridge.gateway.ownmetrics import OwnMetrics, build_info
from bridge.gateway.reads.api import ApiCache, status_body
from bridge.gateway.reads.exposition import Exposition
from bridge.gateway.storage.interface import Committed, Decision, Loaded, Position, Storage
from bridge.gateway.storage.memory import MemoryStorage
from bridge.gateway.store.metric_store import Store
from bridge.gateway.store.types import Change, Consumed, Group
from bridge.gateway.verdict import ACCEPTED, Refusal, Verdict, go_errors
from bridge.protocol.grouping import group_key
from bridge.protocol.model import MetricFamily
from bridge.protocol.names import DEFAULT_ESCAPING, Escaping

log = logging.getLogger("bridge.gateway")

RENDER_QUIET_S = 0.002
"""How long no delete must come before what deletes removed is rendered (`Exposition.render_removals`)."""


class Gateway:
    """Everything a Pushgateway does, callable in-process (the HTTP app and the spool bridge share it)."""

    def __init__(
        self,
        config: GatewayConfig | None = None,
        *,
        clock: Callable[[], int] = time.time_ns,
        storage: Storage | None = None,
        own: OwnMetrics | None = None,
    ) -> None:
        self.config = config or GatewayConfig()
        self.clock = clock
        self.storage: Storage = storage or MemoryStorage()
        self.build_info = build_info()
        self.own = own or OwnMetrics(self.build_info, clock)
        self.store = Store(self.own.families_known)
        """The in-memory model. Read it through the methods below; only this class writes it."""
        self.exposition = Exposition(self.store)
        self.api = ApiCache(self.store)
        self.start_ns = clock()
        self.quit = asyncio.Event()
        self.healthy_error: str | None = None
        self.roles_enabled = False
        self.storage_status: Callable[[], dict[str, object]] = self._storage_kind
        """Which replica answers and its storage's state (extension discovery); a shared storage's own."""
        self._releasing: asyncio.Task[None] | None = None
        self._rendering_removals = False
        self._last_removal = 0.0
        self._position: Position | None = None
        self._started = False

    # ------------------------------------------------------------------ lifecycle
    def load(self) -> int:
        """Fill the store with what the storage kept (before `start`); the number of groups.

        Raises:
            PersistenceError: the storage cannot be read.

        """
        loaded = self.storage.load()
        self.restore(loaded)
        return len(loaded.groups)

    def start(self) -> None:
        """Start the storage on the running loop; from now on it keeps the store in step."""
        self.storage.start(asyncio.get_running_loop(), self, self._position)
        self._started = True

    async def close(self) -> None:
        """Flush and close the storage."""
        if self._releasing is not None:
            self._releasing.cancel()
        await self.storage.close()

    # ------------------------------------------------------------------ the storage's doors (storage.Model)
    def restore(self, loaded: Loaded) -> None:
        """Add what a storage loaded to the store exactly as it was (values, HELP, timestamps, failure state)."""
        for labels, families in loaded.groups:
            self.store.replay(Change(group_key(labels), labels, families, ()))
        self._position = loaded.position

    def reload(self, loaded: Loaded) -> None:
        """Replace the whole store with `loaded` (after a failed commit: what the storage kept is the truth)."""
        self.store.wipe()
        self._free_released()
        self.restore(loaded)

    def apply(self, committed: Committed) -> None:
        """Replay a write another gateway committed to a shared storage."""
        for change in committed.changes:
            self.store.replay(change)
            if change.wiped:
                self._free_released()

    # ------------------------------------------------------------------ writes
    async def push(self, grouping: dict[str, str], families: Consumed, *, replace: bool) -> Verdict:
        """Check a push against the limits and the store, apply it (or record its failure), wait until durable.

        Args:
            grouping: the grouping labels.
            families: handed over to the store (see `Consumed`).
            replace: PUT rather than POST.

        Raises:
            PersistenceError: the storage could not commit (the store was reloaded).

        """
        refused = self._series_limit(families)
        if refused is not None:
            return refused

        def decide() -> Decision[Verdict]:
            return self._decide_push(grouping, families, replace, self.clock())

        verdict = await self.storage.write(decide)
        if verdict.refusal is Refusal.INCONSISTENT:
            log.debug("push rejected", extra={"kv": {"grouping": grouping, "err": verdict.reason}})
        return verdict

    def seed(self, grouping: dict[str, str], families: Consumed, *, replace: bool, now_ns: int) -> Verdict:
        """A push with a chosen arrival time, applied at once: history for a demo or a benchmark.

        Nothing commits it, so it is only for an in-memory gateway that is not started yet.

        Raises:
            RuntimeError: the gateway is started or its storage is durable.

        """
        if self._started or self.storage.durable:
            raise RuntimeError("seed() is for an in-memory gateway before start(); use push()")
        refused = self._series_limit(families)
        if refused is not None:
            return refused
        verdict, _changes = self._decide_push(grouping, families, replace, now_ns)
        return verdict

    def _series_limit(self, families: Consumed) -> Verdict | None:
        limit = self.config.max_series_per_push
        if limit:
            series = sum(len(f.metrics) for f in families.values())
            if series > limit:
                return Verdict(
                    Refusal.LIMIT, f"push has {series} series, more than the limit of {limit} (--push.max-series)"
                )
        return None

    def _decide_push(
        self, grouping: dict[str, str], families: Consumed, replace: bool, now_ns: int
    ) -> Decision[Verdict]:
        groups = self.store.groups
        limit = self.config.max_groups
        if limit and len(groups) >= limit and group_key(grouping) not in groups:
            reason = (
                f"the gateway already holds {len(groups)} groups, the limit "
                "(--push.max-groups); delete groups or raise the limit"
            )
            return Verdict(Refusal.LIMIT, reason), []
        result = self.store.push(grouping, families, replace=replace, now_ns=now_ns)
        if result.accepted:
            return ACCEPTED, result.changes
        return Verdict(Refusal.INCONSISTENT, go_errors(result.errors)), result.changes

    async def delete(self, grouping: dict[str, str], *, only_if: Callable[[Group], bool] | None = None) -> bool:
        """Delete one group; True if it existed (and `only_if`, asked when the write is decided, agreed).

        Raises:
            PersistenceError: the storage could not commit (the store was reloaded).

        """

        def decide() -> Decision[bool]:
            if only_if is not None:
                group = self.store.groups.get(group_key(grouping))
                if group is None or not only_if(group):
                    return False, []
            change = self.store.delete(grouping)
            if change is None:
                return False, []
            self._render_removals_soon()
            return True, [change]

        return await self.storage.write(decide)

    async def delete_family(self, grouping: dict[str, str], name: str) -> bool:
        """Extension: delete one family of a group; True if it existed.

        Raises:
            ValueError: the family is one of the gateway-managed timestamps.
            PersistenceError: the storage could not commit (the store was reloaded).

        """

        def decide() -> Decision[bool]:
            change = self.store.delete_family(grouping, name)
            if change is None:
                return False, []
            self._render_removals_soon()
            return True, [change]

        return await self.storage.write(decide)

    async def wipe(self) -> int:
        """Delete every group; the number deleted.

        Raises:
            PersistenceError: the storage could not commit (the store was reloaded).

        """

        def decide() -> Decision[int]:
            count = len(self.store.groups)
            change = self.store.wipe()
            self._free_released()
            return count, [change] if change is not None else []

        return await self.storage.write(decide)

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

    def _render_removals_soon(self) -> None:
        """Render what deletes removed from `/metrics` once no delete came for `RENDER_QUIET_S`.

        A DELETE is applied to the store (and so to every check and read) before it is answered;
        only moving its series out of the rendered `/metrics` waits: until deletes pause (then a
        few families per loop pass, `Exposition.render_removals`), or until a read, which renders
        whatever is still queued before it answers. Without a running loop, the next read does.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._last_removal = now = loop.time()
        if not self._rendering_removals:
            self._rendering_removals = True
            loop.call_at(now + RENDER_QUIET_S, self._render_some_removals, loop)

    def _render_some_removals(self, loop: asyncio.AbstractEventLoop) -> None:
        quiet_from = self._last_removal + RENDER_QUIET_S
        if loop.time() < quiet_from:  # another delete came meanwhile: wait for the pause
            loop.call_at(quiet_from, self._render_some_removals, loop)
            return
        more = False
        try:
            more = self.exposition.render_removals()
        finally:
            if more:
                loop.call_soon(self._render_some_removals, loop)
            else:
                self._rendering_removals = False

    # ------------------------------------------------------------------ reads
    def _storage_kind(self) -> dict[str, object]:
        return {"kind": "sqlite" if self.storage.durable else "memory", "up": True}

    def groups(self) -> list[Group]:
        """Every group, in push order. The list is the caller's; the groups are the store's: read, never change."""
        return list(self.store.groups.values())

    def group(self, grouping: dict[str, str]) -> Group | None:
        """The group with exactly these labels, or None (the store's own object: read, never change)."""
        return self.store.groups.get(group_key(grouping))

    def group_count(self) -> int:
        """How many groups the store holds."""
        return len(self.store.groups)

    def own_families(self) -> list[MetricFamily]:
        """The gateway's own metrics right now."""
        return self.own.families()

    def metrics_families(self, escaping: Escaping = DEFAULT_ESCAPING) -> list[MetricFamily]:
        """Every family `/metrics` exposes, merged by name, names escaped (for the protobuf text formats)."""
        return self.exposition.families(self.own_families(), escaping)

    def metrics_text(self, escaping: Escaping = DEFAULT_ESCAPING) -> bytes:
        """The `/metrics` text exposition, names escaped with `escaping`."""
        return self.exposition.text(self.own_families(), escaping)

    def metrics_text_gzip(self, escaping: Escaping = DEFAULT_ESCAPING) -> bytes:
        """The `/metrics` text exposition, gzip-compressed (from cached compressed chunks)."""
        return self.exposition.gzip_text(self.own_families(), escaping)

    def metrics_protobuf(self, escaping: Escaping = DEFAULT_ESCAPING) -> bytes:
        """The `/metrics` delimited protobuf exposition, names escaped with `escaping`."""
        return self.exposition.protobuf(self.own_families(), escaping)

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
