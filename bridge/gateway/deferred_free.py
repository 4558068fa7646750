"""Frees what a wipe dropped in slices of a millisecond, resting between them, so wiping a large store never stalls a request.

Freeing 49,000 groups takes the event loop's thread about a second of CPU. Done back to back (a
batch, `sleep(0)`, the next batch), the loop's thread never lets go of the GIL on its own, and
every other thread of the process waits the interpreter's switch interval (5 ms) each time it
wants the GIL back: the persistence writer needs it between every two SQLite calls, so it held
its connection lock through a 4 ms batch of a wipe's collection for 30-100 ms, and pushes
waiting for the lock stalled as long (measured for issue 12: 40-550 ms while a wipe of 49k
groups was freed and collected at once). So the loop's thread frees for `SLICE` and then rests
in its poll, with the GIL free, as long again (`DUTY`): another thread waits a slice at most.
"""

from __future__ import annotations

import asyncio
import time

BATCH = 16
"""Entries dropped between two looks at the clock (a group is a few hundred objects: 16 free in about 0.1 ms)."""
SLICE = 0.001
"""Seconds of freeing between two rests."""
DUTY = 0.5
"""The share of the time the freeing takes at most: after each slice the loop rests (1 - DUTY) / DUTY as long."""


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


def rest_after(took: float, duty: float = DUTY) -> float:
    """Seconds to rest after a batch that took `took`, so that freeing takes `duty` of the time at most."""
    return took * (1 - duty) / duty


async def release_gradually(
    released: list[object], batch: int = BATCH, duty: float = DUTY, slice_s: float = SLICE
) -> None:
    """Drop everything in `released`, `batch` entries at a time, resting after every `slice_s` seconds (`rest_after`)."""
    while True:
        began = time.perf_counter()
        while True:
            if not drop_some(released, batch):
                return
            took = time.perf_counter() - began
            if took >= slice_s:
                break
        await asyncio.sleep(rest_after(took, duty))
