"""The cached /metrics read model: in-place re-pushes and the chunked gzip give the bytes a fresh render gives."""

from __future__ import annotations

import gzip
import random
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.gateway.reads.exposition import Exposition, sort_key
from bridge.gateway.reads.gzipjoin import deflate_piece, gzip_pieces
from bridge.gateway.reads.sorted_chunks import SortedChunks
from bridge.gateway.store.metric_store import Store
from bridge.protocol.textparse import parse_text

NOW = 1_700_000_000_000_000_000


def body(i: int, extra: int) -> bytes:
    lines = [
        "# HELP batch_seconds Duration.",
        "# TYPE batch_seconds gauge",
        f"batch_seconds {i + extra}.5",
        "# TYPE batch_total counter",
    ]
    lines += [f'batch_total{{kind="k{k}"}} {i * k + extra}' for k in range(1 + (i + extra) % 3)]
    if extra % 4 == 0:
        lines += ["# HELP batch_other Another HELP.", "# TYPE batch_other untyped", f"batch_other {extra}"]
    return ("\n".join(lines) + "\n").encode()


def fresh(store: Store) -> bytes:
    """What a new read model built from the same store renders."""
    return Exposition(store).text([])


def strict_gunzip(data: bytes) -> bytes:
    decompressor = zlib.decompressobj(wbits=31)
    out = decompressor.decompress(data)
    assert decompressor.eof and not decompressor.unused_data
    return out


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32))
def test_cached_text_and_gzip_match_a_fresh_render(seed: int) -> None:
    rng = random.Random(seed)
    store = Store()
    exposition = Exposition(store)
    for step in range(rng.randrange(1, 400)):
        i = rng.randrange(60)
        grouping = {"job": f"j{i % 7}", "instance": f"h{i}"}
        action = rng.random()
        if action < 0.1:
            store.delete(grouping)
        elif action < 0.115:
            store.wipe()  # the old containers go to store.released; the read model must start afresh
        else:
            store.push(grouping, parse_text(body(i, step)), replace=action < 0.7, now_ns=NOW + step)
        if rng.random() < 0.05:
            text = exposition.text([])
            assert text == fresh(store)
            assert strict_gunzip(exposition.gzip_text([])) == text
    text = exposition.text([])
    assert text == fresh(store)
    assert strict_gunzip(exposition.gzip_text([])) == text
    assert gzip.decompress(exposition.gzip_text([])) == text


def test_gzip_pieces_concatenate_into_one_member() -> None:
    texts = [b"a" * 1000, b"", b"b\n" * 50_000, b"tail"]
    pieces = [
        (texts[0], deflate_piece(texts[0])),
        (texts[1], None),
        (texts[2], None),
        (texts[3], deflate_piece(texts[3])),
    ]
    assert strict_gunzip(gzip_pieces(pieces)) == b"".join(texts)
    assert strict_gunzip(gzip_pieces([])) == b""


def test_large_families_split_into_chunks_and_stay_consistent() -> None:
    rng = random.Random(7)
    store = Store()
    exposition = Exposition(store)
    for i in range(1500):
        store.push({"job": "j", "instance": f"h{i:04d}"}, parse_text(body(i, 1)), replace=True, now_ns=NOW)
    assert strict_gunzip(exposition.gzip_text([])) == exposition.text([]) == fresh(store)
    for step in range(300):
        i = rng.randrange(1600)
        grouping = {"job": "j", "instance": f"h{i:04d}"}
        if step % 5 == 0:
            store.delete(grouping)
        else:
            store.push(grouping, parse_text(body(i, step)), replace=True, now_ns=NOW + step)
    assert strict_gunzip(exposition.gzip_text([])) == exposition.text([]) == fresh(store)


def test_emptied_and_split_chunks_keep_the_gzip_stream_valid() -> None:
    # Lines of varied length and content, so that a piece compressed against a stale dictionary
    # would decode to different bytes (and fail the CRC) instead of matching by luck.
    rng = random.Random(3)
    store = Store()
    exposition = Exposition(store)

    def instance(i: int) -> str:
        return f"h{i:04d}" + "z" * (i * 7919 % 23)

    def push(i: int) -> None:
        value = rng.choice(["1", "2.5", "1e+06", "-3", "12345.678"])
        body = f'x{{k="{"v" * rng.randrange(30)}"}} {value}\n'.encode()
        store.push({"job": "j", "instance": instance(i)}, parse_text(body), replace=True, now_ns=NOW)

    def check() -> None:
        assert strict_gunzip(exposition.gzip_text([])) == exposition.text([]) == fresh(store)

    for i in range(2000):
        push(i)
    check()
    for i in range(300, 1100):  # empties whole chunks in the middle: their successors change dictionary
        store.delete({"job": "j", "instance": instance(i)})
    check()
    for i in range(300, 1100, 2):  # refills and splits them
        push(i)
    check()
    for _ in range(50):  # single changes: each makes the next chunk's dictionary stale
        push(rng.randrange(2000))
        check()


def test_a_removed_chunk_makes_its_successor_recompress() -> None:
    chunks: SortedChunks[int] = SortedChunks()
    for k in range(1200):
        chunks.add(k, f"line {k} {'q' * (k * 31 % 17)}\n".encode(), k)

    def gzipped() -> bytes:
        return strict_gunzip(gzip_pieces(list(chunks.pieces(deflate_piece))))

    def text() -> bytes:
        out: list[bytes] = []
        chunks.extend_lines(out)
        return b"".join(out)

    assert gzipped() == text()
    second = list(chunks._keys[1])
    for key in second[:-1]:
        chunks.remove(key)
    assert gzipped() == text()  # the second chunk now holds one entry, compressed
    chunks.remove(second[-1])  # the chunk goes; the third one follows the first now
    assert gzipped() == text()


def test_writes_between_two_reads_render_as_the_last_of_them() -> None:
    # Renders wait for the next read: a type change, a group pushed then deleted, a family removed
    # then written again and a re-push of the same series, all between two reads.
    store = Store()
    exposition = Exposition(store)
    a, b, c = {"job": "a"}, {"job": "b"}, {"job": "c"}
    store.push(a, parse_text(b"# TYPE x gauge\nx 1\ny 1\n"), replace=True, now_ns=NOW)
    store.push(b, parse_text(b"x 2\n"), replace=True, now_ns=NOW)
    assert exposition.text([]) == fresh(store)
    store.delete(a)
    store.push(a, parse_text(b"# TYPE x counter\nx 3\n"), replace=True, now_ns=NOW + 1)
    store.push(c, parse_text(b"z 1\n"), replace=True, now_ns=NOW + 1)
    store.delete(c)
    store.push(b, parse_text(b"y 5\n"), replace=True, now_ns=NOW + 2)
    store.push(b, parse_text(b"y 6\n"), replace=False, now_ns=NOW + 3)
    text = exposition.text([])
    assert text == fresh(store)
    assert b'# TYPE x counter\nx{instance="",job="a"} 3\n# TYPE y untyped\ny{instance="",job="b"} 6\n' in text
    assert b"z{" not in text and b'x{instance="",job="b"}' not in text


def test_a_burst_of_writes_is_rendered_before_the_read_that_follows_it() -> None:
    from bridge.gateway.reads.exposition import MAX_PENDING

    store = Store()
    exposition = Exposition(store)
    for i in range(MAX_PENDING + 10):
        store.push({"job": "j", "instance": f"h{i}"}, parse_text(b"x 1\n"), replace=True, now_ns=NOW)
    # Each push notes three families (x and the two timestamps): the bound was passed, so most
    # are rendered already; the rest are rendered by the read.
    assert len(exposition._pending) <= MAX_PENDING
    assert exposition.text([]) == fresh(store)
    assert not exposition._pending


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32))
def test_removals_rendered_early_leave_the_same_bytes_as_a_full_render(seed: int) -> None:
    # Deletes, family deletes and PUTs that drop families, then pushes that bring the same series
    # back (to this group or another one), with `render_removals` called at random in between:
    # whatever it rendered early, the next read shows what a fresh render of the store shows.
    rng = random.Random(seed)
    store = Store()
    exposition = Exposition(store)
    for step in range(rng.randrange(1, 300)):
        i = rng.randrange(30)
        grouping = {"job": f"j{i % 4}", "instance": f"h{i}"}
        action = rng.random()
        if action < 0.3:
            store.delete(grouping)
        elif action < 0.4:
            store.delete_family(grouping, rng.choice(["batch_seconds", "batch_total", "batch_other"]))
        elif action < 0.41:
            store.wipe()
        else:
            store.push(grouping, parse_text(body(i, step)), replace=action < 0.8, now_ns=NOW + step)
        if rng.random() < 0.5:
            for _ in range(rng.randrange(4)):
                exposition.render_removals(rng.randrange(1, 4))
        if rng.random() < 0.05:
            assert exposition.text([]) == fresh(store)
    while exposition.render_removals():
        pass
    text = exposition.text([])
    assert text == fresh(store)
    assert strict_gunzip(exposition.gzip_text([])) == text


def test_render_removals_renders_only_removals_a_few_at_a_time() -> None:
    store = Store()
    exposition = Exposition(store)
    for i in range(10):
        store.push({"job": "j", "instance": f"h{i}"}, parse_text(b"x 1\ny 2\n"), replace=True, now_ns=NOW)
    assert exposition.text([]) == fresh(store)
    for i in range(5):
        store.delete({"job": "j", "instance": f"h{i}"})  # 4 families each: x, y, the two timestamps
    store.push({"job": "j", "instance": "h9"}, parse_text(b"x 3\n"), replace=True, now_ns=NOW + 1)  # drops y
    store.push({"job": "k"}, parse_text(b"z 1\n"), replace=True, now_ns=NOW + 1)  # an addition
    assert exposition.render_removals(8)  # 8 of the 21 removals rendered, more queued
    assert exposition.render_removals(8)
    assert not exposition.render_removals(8)
    # Only the writes are left for the read to render: h9's new x, its timestamps, and group k.
    assert all(now is not None for _, now in exposition._pending.values())
    assert exposition.text([]) == fresh(store)
    assert b'z{instance="",job="k"} 1' in exposition.text([])
    assert b'instance="h0"' not in exposition.text([])


@pytest.mark.parametrize("count", range(6))
def test_sort_key_unpacked_by_hand_orders_as_the_general_rule(count: int) -> None:
    labels = tuple((f"n{k}", f"v{count - k}") for k in range(count))
    names = tuple(name for name, _ in labels)
    values = tuple(value for _, value in labels)
    assert sort_key(labels) == (count, *values, *names)


def test_a_burst_of_deletes_is_rendered_at_once_past_its_own_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    from bridge.gateway.reads import exposition as module

    monkeypatch.setattr(module, "MAX_PENDING_REMOVALS", 30)
    store = Store()
    exposition = Exposition(store)
    for i in range(20):
        store.push({"job": "j", "instance": f"h{i}"}, parse_text(b"x 1\n"), replace=True, now_ns=NOW)
    assert exposition.text([]) == fresh(store)
    for i in range(7):  # 3 families each: 21 removals, under the bound
        store.delete({"job": "j", "instance": f"h{i}"})
    assert len(exposition._pending) == 21
    for i in range(7, 11):  # 33: past it, all rendered by the delete that passed it
        store.delete({"job": "j", "instance": f"h{i}"})
    assert len(exposition._pending) < 30
    assert exposition.text([]) == fresh(store)
