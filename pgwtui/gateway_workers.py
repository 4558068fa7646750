"""GatewayWorkers, owned by the app: every read and delete of the gateway, run as the app's workers.

Like `pgwtui.alerts.watch.AlertsWatcher`, it runs its work on the app (`App.run_worker`) in the
worker groups below, so every failure reaches the app's one error router; results come back as
messages posted to the app (GroupsLoaded, GatewayInfoLoaded, GroupsDeleted, FamilyDeleted).
How a read of the gateway becomes rows stays the app's (`read`: fetch, then decode and assess off
the UI thread); these workers decide when to read and what a read confirms.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from functools import partial

from textual.app import App
from textual.worker import Worker

from bridge.protocol.grouping import GroupKey
from pgwtui.client import GatewayClient
from pgwtui.errors import GatewayError, user_message
from pgwtui.messages import FamilyDeleted, GatewayInfoLoaded, GroupsDeleted, GroupsLoaded
from pgwtui.models import Group

REREAD_DEADLINE = 3.0
"""How long to keep re-reading after a delete until the gateway shows it (DELETE is async upstream)."""
READ_GROUPS = "refresh"
"""Worker group of the reads of every group: a GatewayError there becomes the banner."""
PROBE_GATEWAY = "info"
"""Worker group of the version and extensions probe: its GatewayError is left to the reads."""
MUTATE = "mutate"
"""Worker group of the deletes: a failure there is a notification."""

Read = Callable[[], Awaitable[GroupsLoaded]]
"""The app's read of every group: the answer, decoded and assessed, as the message the app handles."""


class GatewayWorkers:
    """The app's gateway side: reads, the probe, deletes, and the re-reads that confirm a delete."""

    def __init__(self, app: App[None], client: GatewayClient, *, read: Read) -> None:
        self._app = app
        self._client = client
        self._read = read
        self.reading = False
        """A read of every group is in flight (the refresh tick does not start another)."""
        self.probing = False
        """The version and extensions probe is in flight."""

    # ----------------------------------------------------------------- reads
    def refresh_groups(self) -> Worker[None]:
        """Read every group; the result arrives as GroupsLoaded (a read in flight is restarted)."""
        return self._app.run_worker(
            self._refresh_groups, name="refresh_groups", group=READ_GROUPS, exclusive=True, exit_on_error=False
        )

    async def _refresh_groups(self) -> None:
        self.reading = True
        try:
            loaded = await self._read()
        finally:
            self.reading = False
        self._app.post_message(loaded)

    def load_info(self) -> Worker[None]:
        """Ask the gateway for its version and extensions; the answer arrives as GatewayInfoLoaded."""
        return self._app.run_worker(
            self._load_info, name="load_info", group=PROBE_GATEWAY, exclusive=True, exit_on_error=False
        )

    async def _load_info(self) -> None:
        self.probing = True
        try:
            info = await self._client.info()
        finally:
            self.probing = False
        self._app.post_message(GatewayInfoLoaded(info))

    # ----------------------------------------------------------------- deletes
    # Mutations are deliberately not exclusive: a second delete must never cancel a first one halfway.
    def delete_groups(self, keys: tuple[GroupKey, ...]) -> Worker[None]:
        """Delete groups one by one, then re-read until they are gone (or a deadline passes)."""
        return self._app.run_worker(
            partial(self._delete_groups, keys), name="delete_groups", group=MUTATE, exit_on_error=False
        )

    async def _delete_groups(self, keys: tuple[GroupKey, ...]) -> None:
        deleted: list[GroupKey] = []
        failed: list[tuple[GroupKey, str]] = []
        limit = asyncio.Semaphore(8)

        async def one(key: GroupKey) -> None:
            async with limit:
                try:
                    await self._client.delete_group(key)
                    deleted.append(key)
                except GatewayError as exc:
                    failed.append((key, user_message(exc)))

        await asyncio.gather(*(one(k) for k in keys))
        gone = set(deleted)
        present = await self._reread_until(lambda groups: not any(g.key in gone for g in groups))
        still = tuple(k for k in deleted if k in present)
        self._app.post_message(GroupsDeleted(tuple(deleted), tuple(failed), still))

    def delete_family(self, group: Group, family: str, *, repush: bool) -> Worker[None]:
        """Delete one family (extension), or re-push the group without it (Go, after a warning)."""
        return self._app.run_worker(
            partial(self._delete_family, group, family, repush=repush),
            name="delete_family",
            group=MUTATE,
            exit_on_error=False,
        )

    async def _delete_family(self, group: Group, family: str, *, repush: bool) -> None:
        if repush:
            await self._client.repush_without(group, family)
        else:
            await self._client.delete_family(group.key, family)

        def done(groups: Sequence[Group]) -> bool:
            return all(g.key != group.key or family not in g.family_names for g in groups)

        await self._reread_until(done)
        self._app.post_message(FamilyDeleted(group.key, family, repush))

    async def _reread_until(self, done: Callable[[Sequence[Group]], bool]) -> set[GroupKey]:
        """Re-read the gateway until `done` holds or the deadline passes; the keys present at the end."""
        deadline = time.monotonic() + REREAD_DEADLINE
        while True:
            try:
                loaded = await self._read()
            except GatewayError:
                return set()  # the refresh timer will show the problem
            groups = loaded.snapshot.groups
            if done(groups) or time.monotonic() > deadline:
                self._app.post_message(loaded)
                return {g.key for g in groups}
            await asyncio.sleep(0.1)
