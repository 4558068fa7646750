"""A wipe answers at once and frees the dropped store a batch at a time; the store and its read models start afresh."""

from __future__ import annotations

import asyncio
import json

import pytest

from bridge.gateway.deferred_free import drop_some, release_gradually, rest_after
from bridge.gateway.service import Gateway
from bridge.protocol.textparse import parse_text


def test_drop_some_empties_containers_a_batch_at_a_time() -> None:
    big = {i: [i] * 3 for i in range(1000)}
    chunks = [[b"x"] * 10 for _ in range(30)]
    released: list[object] = [big, *chunks, "a string", None]
    steps = 0
    while drop_some(released, batch=100):
        steps += 1
        assert steps < 1000
    assert released == [] and big == {} and all(chunk == [] for chunk in chunks)
    # 1,000 dict entries + 300 list entries + 34 containers and objects, 100 per step
    assert 13 <= steps <= 14


def test_drop_some_never_exceeds_its_batch() -> None:
    big = dict.fromkeys(range(1000))
    released: list[object] = [big]
    assert drop_some(released, batch=64) is True
    assert len(big) == 1000 - 64


def groups_in_api(gateway: Gateway) -> list[dict[str, str]]:
    return [entry["labels"] for entry in json.loads(gateway.api_metrics())["data"]]


async def test_wipe_answers_before_freeing_and_the_store_starts_afresh() -> None:
    gateway = Gateway()
    body = b"# TYPE shared gauge\nshared 1\n# TYPE other counter\nother 2\n"
    for i in range(2000):
        await gateway.push({"job": "batch", "instance": f"h{i}"}, parse_text(body), replace=True)
    gateway.metrics_text()
    gateway.metrics_text_gzip()
    gateway.api_metrics()

    assert await gateway.wipe() == 2000
    assert gateway.store.released, "the dropped store is freed later, not inside the wipe"
    assert gateway.store.groups == {} and gateway.store.names == {}
    assert b"shared" not in gateway.metrics_text() and groups_in_api(gateway) == []

    # Pushes while the old store is being freed land in the new one, type checks included.
    await gateway.push({"job": "after"}, parse_text(b"# TYPE shared gauge\nshared 5\n"), replace=True)
    conflict = await gateway.push({"job": "clash"}, parse_text(b"# TYPE shared counter\nshared 1\n"), replace=True)
    assert not conflict.accepted
    for _ in range(1000):  # the freeing rests between its batches
        if not gateway.store.released:
            break
        await asyncio.sleep(0.01)
    assert gateway.store.released == []
    text = gateway.metrics_text()
    assert b'shared{instance="",job="after"} 5\n' in text and b"h1999" not in text
    # (a rejected push to a new group leaves it with its failure time only, as upstream)
    assert sorted(labels["job"] for labels in groups_in_api(gateway)) == ["after", "clash"]
    await gateway.close()


async def test_release_gradually_yields_to_the_loop() -> None:
    released: list[object] = [dict.fromkeys(range(10_000))]
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await release_gradually(released, batch=100, slice_s=0)
    task.cancel()
    assert released == [] and ticks >= 50


async def test_release_gradually_rests_after_every_slice(monkeypatch: pytest.MonkeyPatch) -> None:
    # Back to back (sleep(0)), the loop's thread would keep the GIL and the persistence writer
    # would win it back only every switch interval, holding its connection lock meanwhile.
    rests: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(delay: float) -> None:
        rests.append(delay)
        await real_sleep(0)

    monkeypatch.setattr(asyncio, "sleep", sleep)  # the module's `asyncio.sleep` is this one
    released: list[object] = [dict.fromkeys(range(1000))]
    await release_gradually(released, batch=100, slice_s=0)  # a slice: one batch
    assert released == []
    # ten batches of 100 (the emptied dict goes with the eleventh), a rest after each but the last
    assert len(rests) == 10 and all(rest > 0 for rest in rests)
    rests.clear()
    released = [dict.fromkeys(range(1000))]
    await release_gradually(released, batch=100, slice_s=3600)  # all within one slice: no rest
    assert released == [] and rests == []


def test_the_rest_keeps_freeing_to_its_share_of_the_time() -> None:
    assert rest_after(0.002) == pytest.approx(0.002)  # DUTY 0.5: as long as the batch
    assert rest_after(0.001, duty=0.1) == pytest.approx(0.009)
    assert rest_after(0.001, duty=1.0) == 0


def test_a_wipe_without_a_running_loop_frees_at_once() -> None:
    gateway = Gateway()
    gateway.seed({"job": "x"}, parse_text(b"a 1\n"), replace=True, now_ns=1)
    gateway.reload(gateway.storage.load())
    assert gateway.store.groups == {} and gateway.store.released == []
