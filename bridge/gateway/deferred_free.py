"""Frees what a wipe dropped a batch at a time, so wiping a large store never stalls the event loop."""

from __future__ import annotations

import asyncio

BATCH = 256
"""Entries dropped between two yields to the loop (a batch of groups frees in a few milliseconds)."""


def drop_some(released: list[object], batch: int = BATCH) -> bool:
    """Drop up to `batch` entries from the containers in `released`; False once nothing is left.

    Containers (dicts, lists) are emptied from the end a batch at a time; anything else is simply
    dropped. The caller must not use what it put into `released` again.
    """
    budget = batch
    while released and budget > 0:
        item = released[-1]
        if isinstance(item, dict) and item:
            for _ in range(min(budget, len(item))):
                item.popitem()
                budget -= 1
        elif isinstance(item, list) and item:
            take = min(budget, len(item))
            del item[-take:]
            budget -= take
        else:
            released.pop()
            budget -= 1
    return bool(released)


async def release_gradually(released: list[object], batch: int = BATCH) -> None:
    """Drop everything in `released`, yielding to the event loop after every batch."""
    while drop_some(released, batch):
        await asyncio.sleep(0)
