"""A recording fake `Storage` shaped like a shared one: writes decided later, in batches, under a lock.

`FakeStorage` records every call, and decides writes the way a PostgreSQL store shared by
replicas would: `write` queues the decision; on the next turn of the loop the fake "takes its
lock", catches the model up with what other storages on the same `FakeDisk` committed, runs
every queued `decide` in order, and commits them in one transaction (or fails them all).
Several `FakeStorage`s on one `FakeDisk` behave as replicas of one database: a commit wakes
the others (as LISTEN/NOTIFY would), which replay it into their models.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bridge.errors import PersistenceError
from bridge.gateway.storage.interface import Committed, Decision, Loaded, Model, PersistedGroup, Position, Reset
from bridge.gateway.store.types import Change

T = TypeVar("T")


def _key(labels: dict[str, str]) -> str:
    return json.dumps(sorted(labels.items()))


@dataclass
class FakeDisk:
    """What the fakes committed: the groups and the sequence of writes (a database's tables)."""

    groups: dict[str, PersistedGroup] = field(default_factory=dict)
    log: list[list[Change]] = field(default_factory=list)
    history: str = field(default_factory=lambda: secrets.token_hex(4))
    storages: list[FakeStorage] = field(default_factory=list)

    def commit(self, writes: list[list[Change]]) -> None:
        for changes in writes:
            for change in changes:
                self._apply(change)
            self.log.append(changes)

    def _apply(self, change: Change) -> None:
        if change.wiped:
            self.groups.clear()
            return
        key = _key(change.labels)
        if change.group_removed:
            self.groups.pop(key, None)
            return
        _labels, families = self.groups.setdefault(key, (dict(change.labels), {}))
        for name in change.removed:
            families.pop(name, None)
        families.update(change.written)

    @property
    def head(self) -> Position:
        return Position(self.history, len(self.log))


@dataclass
class _Pending:
    decide: Callable[[], Decision[Any]]
    future: asyncio.Future[Any]


class FakeStorage:
    """A `Storage` that records its calls and decides writes in deferred batches (see the module docstring).

    Attributes:
        calls: every call, as (method, detail).
        transactions: each commit, as the list of writes (change lists) it held.
        fail_commits: while set, every commit fails with this message (and the model reloads).

    """

    def __init__(self, disk: FakeDisk | None = None, *, durable: bool = True, listens: bool = True) -> None:
        """A storage on `disk` (a new one if None); with `listens`, woken by the others' commits."""
        self.disk = disk if disk is not None else FakeDisk()
        self.durable = durable
        self.listens = listens
        self.calls: list[tuple[str, Any]] = []
        self.transactions: list[list[list[Change]]] = []
        self.fail_commits: str | None = None
        self._pending: list[_Pending] = []
        self._model: Model | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._position: Position | None = None
        self._flushing = False
        self.disk.storages.append(self)

    # ------------------------------------------------------------------ Storage
    def load(self) -> Loaded:
        self.calls.append(("load", None))
        groups = [(dict(labels), dict(families)) for labels, families in self.disk.groups.values()]
        return Loaded(groups, self.disk.head)

    def start(self, loop: asyncio.AbstractEventLoop, model: Model, position: Position | None) -> None:
        self.calls.append(("start", position))
        self._loop = loop
        self._model = model
        self._position = position

    async def write(self, decide: Callable[[], Decision[T]]) -> T:
        self.calls.append(("write", None))
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._pending.append(_Pending(decide, future))
        if not self._flushing:
            self._flushing = True
            loop.call_soon(self._flush)
        return await future

    async def changes_after(self, position: Position) -> list[Committed] | Reset:
        self.calls.append(("changes_after", position))
        return _after(self.disk, position)

    async def close(self) -> None:
        self.calls.append(("close", None))
        if self._pending:
            self._flush()
        if self in self.disk.storages:
            self.disk.storages.remove(self)

    # ------------------------------------------------------------------ the lock
    def _flush(self) -> None:
        """Take the lock: catch up, decide everything queued in order, commit it as one transaction."""
        self._flushing = False
        batch, self._pending = self._pending, []
        self.catch_up()
        decided: list[tuple[_Pending, Any, list[Change]]] = []
        for pending in batch:
            try:
                result, changes = pending.decide()
            except BaseException as exc:
                pending.future.set_exception(exc)
                continue
            decided.append((pending, result, changes))
        writes = [changes for _, _, changes in decided if changes]
        if writes and self.fail_commits is not None:
            failure = PersistenceError(f"could not commit to the fake disk: {self.fail_commits}")
            if self._model is not None:
                self._model.reload(self.load())
                self._position = self.disk.head
            for pending, _, _ in decided:
                pending.future.set_exception(failure)
            return
        if writes:
            self.disk.commit(writes)
            self.transactions.append(writes)
            self._position = self.disk.head
            for other in self.disk.storages:
                if other is not self and other.listens and other._loop is not None:
                    other._loop.call_soon(other.catch_up)
        for pending, result, _ in decided:
            pending.future.set_result(result)

    def catch_up(self) -> None:
        """Replay into the model what other storages on the disk committed since its position."""
        if self._model is None:
            return
        position = self._position
        feed = _after(self.disk, position) if position is not None else Reset("never loaded")
        if isinstance(feed, Reset):
            self.calls.append(("reload", feed.reason))
            self._model.reload(self.load())
        else:
            for committed in feed:
                self._model.apply(committed)
        self._position = self.disk.head


def _after(disk: FakeDisk, position: Position) -> list[Committed] | Reset:
    if position.history != disk.history:
        return Reset("another history")
    if position.seq > len(disk.log):
        return Reset("the sequence went backwards")
    return [Committed(Position(disk.history, seq + 1), disk.log[seq]) for seq in range(position.seq, len(disk.log))]


def stored_names(groups: list[PersistedGroup]) -> dict[str, set[str]]:
    """Grouping key text → family names, to compare what two storages hold."""
    return {_key(labels): set(families) for labels, families in groups}
