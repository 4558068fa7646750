"""The collector policy: a slow full collection makes its survivors permanent; fast ones and young ones do not."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from bridge.gateway import gcpolicy


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


async def test_a_slow_full_collection_freezes_what_survived_it() -> None:
    policy = gcpolicy.FreezeAfterSlowCollections(asyncio.get_running_loop(), slow_s=0.0)
    gc.callbacks.append(policy)
    try:
        survivor = [object() for _ in range(1000)]
        gc.collect(1)  # a young collection: nothing to do
        await asyncio.sleep(0)
        assert policy.freezes == 0 and gc.get_freeze_count() == 0
        gc.collect()
        await asyncio.sleep(0)  # the freeze runs on the loop
        assert policy.freezes == 1 and gc.get_freeze_count() >= len(survivor)
    finally:
        gc.callbacks.remove(policy)


async def test_a_full_collection_faster_than_the_bound_leaves_the_heap_alone() -> None:
    policy = gcpolicy.FreezeAfterSlowCollections(asyncio.get_running_loop(), slow_s=3600.0)
    gc.callbacks.append(policy)
    try:
        gc.collect()
        await asyncio.sleep(0)
        assert policy.freezes == 0 and gc.get_freeze_count() == 0
    finally:
        gc.callbacks.remove(policy)


async def test_install_and_uninstall() -> None:
    policy = gcpolicy.install(asyncio.get_running_loop())
    assert policy in gc.callbacks
    gcpolicy.uninstall(policy)
    assert policy not in gc.callbacks


def test_a_loaded_store_is_set_aside_with_everything_else_alive() -> None:
    alive = [object() for _ in range(1000)]
    gcpolicy.freeze_loaded()
    assert gc.get_freeze_count() >= len(alive)
