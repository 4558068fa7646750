"""The storage contract behind `Gateway`: load, write (decide + commit), wipe, and the change feed.

The in-memory model (the store and its read models) is what the gateway serves from; a
storage makes its writes durable and, when several gateways share one storage, keeps each
model in step with what the others commit. Implementations: `memory.MemoryStorage` (the
default, nothing durable), `sqlite.SqliteStorage` (`--persistence.file`), and, shared by
replicas, `postgres.storage.PostgresStorage` (`--storage.postgres`). One contract test suite (`tests/unit/bridge/gateway/storage/`)
holds them all to what follows.

**Ownership.** The model belongs to the gateway; a storage changes it only through the two
doors the gateway gives it: the `decide` callable of a write, and `Model.apply` /
`Model.reload`. Every `Change` handed to a storage is the caller's and is never modified by
anyone afterwards: the storage may keep it (a feed, a queue) and give it to followers as it is.
The families inside are the very objects a push handed over (`store.types.Consumed`), as Go's
`WriteRequest` hands them to its `MetricStore`. `Loaded.groups` and every `Committed` a storage
returns belong to the caller, who keeps them unchanged too (a model stores them as they are).

**Concurrency.** Every method is called on the gateway's event loop only, and every callback
into the model (`decide`, `Model.apply`, `Model.reload`) runs on that loop too; a storage may
do its I/O on threads of its own in between.

**Writes.** `write(decide)` runs `decide` exactly once, synchronously, when the storage holds
its write lock and the model reflects every write ordered before this one: at once for the
in-memory and SQLite storages (nobody else writes; earlier writes may still be committing), and
for a shared storage after it has taken its lock and caught up from the feed with what others
committed. `decide` checks the write against the model, applies it, and returns its result with
the changes to make durable; it never awaits, and if it raises, it has changed nothing, nothing
is committed for it, and `write` raises the same exception.
`write` returns the result once the changes are committed (durable, for a durable storage).
One gateway's writes are decided in the order it called `write`, and committed in the order
they were decided; a storage may commit several in one transaction (group commit) as long as
each is answered only after its commit.

**Wipe** is a write like any other, whose one change is `WIPED`: ordered with the other writes,
under the same lock, and in the feed, so a follower clears its model at the same point. Its
commit must not grow with the store (it holds the lock every writer waits for): the SQLite
storage starts a new generation and deletes the old rows later, in small transactions of
their own that never touch a row written after the wipe.

**Failure.** If changes cannot be committed, `write` raises `PersistenceError` for every write
of the failed transaction and for every write decided after them that is not committed yet;
before any of them is answered, the storage calls `Model.reload` with what it has committed, so
the model never shows a write the storage lost.

**The change feed.** Committed writes form one sequence; each has a `Position` (a history and a
sequence number in it). `changes_after(position)` returns the writes committed after `position`,
oldest first, without gaps; or `Reset` when it cannot (another history, a sequence that went
backwards, or a position older than what the storage still keeps), and then the follower must
reload. A shared storage follows the feed on its own (it knows when others commit) and calls
`Model.apply` for every write others committed, in order, and `Model.reload` after a `Reset`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from bridge.gateway.store.types import Change, StoredFamily

T = TypeVar("T")

PersistedGroup = tuple[dict[str, str], dict[str, StoredFamily]]
"""One group as committed: its grouping labels and its families (timestamps included)."""

Decision = tuple[T, list[Change]]
"""What `decide` returns: the write's result for its caller, and the changes to commit (none: a no-op)."""


@dataclass(frozen=True, slots=True)
class Position:
    """A point in a storage's sequence of committed writes.

    Attributes:
        history: names one unbroken sequence; a storage that starts a new one (a fresh process
            for the single-node storages, a re-created database for a shared one) names it anew.
        seq: how many writes that history had committed at this point.

    """

    history: str
    seq: int


@dataclass(frozen=True, slots=True)
class Loaded:
    """Everything a storage has committed, and the position it reflects."""

    groups: list[PersistedGroup]
    position: Position


@dataclass(frozen=True, slots=True)
class Committed:
    """One committed write in the change feed: its changes, and the position just after it."""

    position: Position
    changes: list[Change]


@dataclass(frozen=True, slots=True)
class Reset:
    """The feed cannot continue from the position asked for: reload the model from `load()`."""

    reason: str


class Model(Protocol):
    """What a storage may do to the gateway's in-memory model besides `decide` (the gateway implements it)."""

    def apply(self, committed: Committed) -> None:
        """Replay a write another writer committed; called in feed order."""

    def reload(self, loaded: Loaded) -> None:
        """Replace the whole model with `loaded` (after a failed commit, a gap or a `Reset`)."""


class Storage(Protocol):
    """The durable side of the gateway's store (see the module docstring for the full contract)."""

    @property
    def durable(self) -> bool:
        """Whether what is committed survives the process (`load()` in a new one returns it)."""

    def load(self) -> Loaded:
        """Everything the storage keeps and its position (it may block: at start-up, and to reload a model).

        A storage that is not durable keeps nothing: its `load` is empty at the current position,
        which is where a restarted in-memory gateway starts.

        Raises:
            PersistenceError: what is stored cannot be read.

        """

    def start(self, loop: asyncio.AbstractEventLoop, model: Model, position: Position | None) -> None:
        """Begin serving writes for `model`, which holds what `load()` returned at `position`.

        Args:
            loop: the gateway's event loop.
            model: the in-memory model this storage keeps in step.
            position: where `model` stands; None if it was never loaded (empty).

        """

    async def write(self, decide: Callable[[], Decision[T]]) -> T:
        """Decide one write under the write lock, commit its changes, and return its result.

        Args:
            decide: checks and applies the write to the model; called once, on the loop.

        Raises:
            PersistenceError: the changes could not be committed (the model was reloaded).

        """

    async def changes_after(self, position: Position) -> list[Committed] | Reset:
        """The writes committed after `position`, oldest first, or `Reset` if that is not possible."""

    async def close(self) -> None:
        """Commit what is pending, stop following the feed, and release the storage."""
