"""The in-memory storage (`--persistence.file=""`, the default): nothing durable, writes decided at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bridge.gateway.storage.feed import LocalFeed
from bridge.gateway.storage.interface import Committed, Decision, Loaded, Model, Position, Reset, T


class MemoryStorage:
    """Keeps no state of its own (the model is everything); serves the feed of this process's last writes."""

    durable = False

    def __init__(self) -> None:
        self._feed = LocalFeed()

    def load(self) -> Loaded:
        """Nothing is kept: empty, at the current position."""
        return Loaded([], self._feed.head)

    def start(self, loop: asyncio.AbstractEventLoop, model: Model, position: Position | None) -> None:
        """Nothing to start: nobody else writes, and a commit cannot fail."""

    async def write(self, decide: Callable[[], Decision[T]]) -> T:
        """Decide at once; committed as soon as decided (works before `start` too)."""
        result, changes = decide()
        if changes:
            self._feed.append(changes)
        return result

    async def changes_after(self, position: Position) -> list[Committed] | Reset:
        """The writes this process committed after `position`."""
        return self._feed.after(position)

    async def close(self) -> None:
        """Nothing to close."""
