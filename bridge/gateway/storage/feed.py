"""The change feed of a single-node storage: the last writes this process committed, kept in memory."""

from __future__ import annotations

import secrets
from collections import deque
from itertools import islice

from bridge.gateway.storage.interface import Committed, Position, Reset
from bridge.gateway.store.types import Change

WINDOW = 1024
"""Writes kept for followers; one further behind must reload (nothing follows a single node but tests)."""


class LocalFeed:
    """A sequence of committed writes numbered from 1, in a history named anew for every instance."""

    def __init__(self, window: int = WINDOW) -> None:
        self.history = secrets.token_hex(8)
        self._seq = 0
        # Only the changes: positions follow from the count, so a write costs one append.
        self._kept: deque[list[Change]] = deque(maxlen=window)

    @property
    def head(self) -> Position:
        """The position after the last committed write."""
        return Position(self.history, self._seq)

    def append(self, changes: list[Change]) -> None:
        """Record one committed write (the caller never changes `changes` again)."""
        self._seq += 1
        self._kept.append(changes)

    def after(self, position: Position) -> list[Committed] | Reset:
        """The writes committed after `position`, oldest first, or `Reset`."""
        if position.history != self.history:
            return Reset(f"position of another history ({position.history}, this is {self.history})")
        if position.seq > self._seq:
            return Reset(f"position {position.seq} is ahead of the last write ({self._seq})")
        first = self._seq - len(self._kept)  # the seq just before the oldest kept write
        if position.seq < first:
            return Reset(f"position {position.seq} is older than the {len(self._kept)} writes kept")
        skip = position.seq - first
        return [
            Committed(Position(self.history, position.seq + n + 1), changes)
            for n, changes in enumerate(islice(self._kept, skip, None))
        ]
