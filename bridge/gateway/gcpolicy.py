"""The collector policy of `pgw-bridge serve`: a store set aside from full collections once it has survived one.

CPython runs a full collection each time the objects that survived younger ones grow by a
quarter; with a big store that is a walk over millions of objects (about 0.3 s at 50,000
groups of 10 series, measured for issue 12), and it lands on whichever request allocates at
that moment. A stored series is freed by reference counting when it is replaced or deleted (the
store holds no reference cycles), so walking it looks for garbage that is never there. Hence
`gc.freeze()`, which moves every tracked object to the permanent generation that collections
skip: after a restored store is loaded, and after any full collection that took longer than
`SLOW_COLLECTION_S` (everything alive then survived it). What freezing costs: an object frozen
while alive that later becomes part of a reference cycle is never collected; the store makes no
cycles, and freezes happen only when a store has grown by enough to make a collection slow.
"""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

SLOW_COLLECTION_S = 0.05
"""A full collection slower than this makes what survived it permanent."""


class FreezeAfterSlowCollections:
    """A `gc.callbacks` entry that asks the loop to `gc.freeze()` after a slow full collection."""

    def __init__(self, loop: asyncio.AbstractEventLoop, slow_s: float = SLOW_COLLECTION_S) -> None:
        self._loop = loop
        self._slow_s = slow_s
        self._began = 0.0
        self.freezes = 0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._began = time.perf_counter()
        elif time.perf_counter() - self._began > self._slow_s:
            # On the loop, not inside the collector (which may run on any thread).
            self._loop.call_soon_threadsafe(self._freeze)

    def _freeze(self) -> None:
        gc.freeze()
        self.freezes += 1


def freeze_loaded() -> None:
    """Collect once and set everything alive aside (after a restored store is loaded, before serving)."""
    gc.collect()
    gc.freeze()


def install(loop: asyncio.AbstractEventLoop) -> FreezeAfterSlowCollections:
    """Start the policy for this process; `uninstall` ends it."""
    policy = FreezeAfterSlowCollections(loop)
    gc.callbacks.append(policy)
    return policy


def uninstall(policy: FreezeAfterSlowCollections) -> None:
    """Stop asking for freezes (what is frozen stays frozen)."""
    if policy in gc.callbacks:
        gc.callbacks.remove(policy)
