"""Name escaping in the /metrics read model: each escaping as 1.11 writes it, and nothing extra for legacy names."""

from __future__ import annotations

import gzip
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.gateway.reads import exposition as exposition_module
from bridge.gateway.reads.exposition import Exposition
from bridge.gateway.store.metric_store import Store
from bridge.protocol.model import Metric, MetricFamily, MetricType
from bridge.protocol.names import Escaping, escape_family
from bridge.protocol.protobuf import encode_delimited
from bridge.protocol.textparse import parse_text
from bridge.protocol.textrender import render_escaped

NOW = 1_700_000_000_000_000_000
OWN = [MetricFamily("process_open_fds", MetricType.GAUGE, "Open fds.", [Metric(gauge=7.0)])]


def push(store: Store, job: str, body: bytes, **grouping: str) -> None:
    result = store.push({"job": job, **grouping}, parse_text(body, utf8=True), replace=True, now_ns=NOW)
    assert result.accepted, result.errors


def test_legacy_names_are_served_from_the_cache_under_every_escaping(monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store()
    exposition = Exposition(store)
    push(store, "a", b'# HELP x h\nx{a="1"} 1\nx{a="2"} 2\ny 3\n')
    plain = exposition.text(OWN)

    def never(*args: object) -> bytes:
        raise AssertionError("a store of legacy names must not render per escaping")

    monkeypatch.setattr(exposition_module, "render_escaped", never)
    monkeypatch.setattr(exposition_module, "escape_family", never)
    for escaping in Escaping:
        assert exposition.text(OWN, escaping) == plain
        assert gzip.decompress(exposition.gzip_text(OWN, escaping)) == plain
        assert exposition.families(OWN, escaping) == exposition.families(OWN)


def test_a_utf8_name_is_escaped_as_each_scrape_asks() -> None:
    store = Store()
    exposition = Exposition(store)
    push(store, "a", b'# HELP "my.metric" Some help.\n{"my.metric","dotted.label"="x"} 1\nplain 2\n')
    expected = {
        Escaping.UNDERSCORES: b'my_metric{dotted_label="x",instance="",job="a"} 1\n',
        Escaping.DOTS: b'my_dot_metric{dotted_dot_label="x",instance="",job="a"} 1\n',
        Escaping.VALUES: b'U__my_2e_metric{U__dotted_2e_label="x",instance="",job="a"} 1\n',
        Escaping.ALLOW_UTF8: b'{"my.metric","dotted.label"="x",instance="",job="a"} 1\n',
    }
    for escaping, line in expected.items():
        text = exposition.text([], escaping)
        assert line in text
        assert b'\nplain{instance="",job="a"} 2\n' in text
        assert gzip.decompress(exposition.gzip_text([], escaping)) == text
    assert b'# HELP "my.metric" Some help.\n# TYPE "my.metric" untyped\n' in exposition.text([], Escaping.ALLOW_UTF8)
    (family,) = [f for f in exposition.families([], Escaping.VALUES) if f.name.startswith("U__")]
    assert family.name == "U__my_2e_metric" and family.metrics[0].labels[0][0] == "U__dotted_2e_label"


def test_a_utf8_grouping_label_escapes_the_push_timestamps_and_an_own_family_too() -> None:
    store = Store({"process_open_fds": (MetricType.GAUGE, "Open fds.")})
    exposition = Exposition(store)
    push(store, "a", b'# TYPE process_open_fds gauge\nprocess_open_fds{"k.v"="1"} 3\n', **{"g.h": "x"})
    text = exposition.text(OWN, Escaping.UNDERSCORES)
    assert b'push_time_seconds{g_h="x",instance="",job="a"}' in text
    assert b'process_open_fds 7\nprocess_open_fds{g_h="x",instance="",job="a",k_v="1"} 3\n' in text
    utf8 = exposition.text(OWN, Escaping.ALLOW_UTF8)
    assert b'process_open_fds{"g.h"="x",instance="",job="a","k.v"="1"} 3\n' in utf8
    assert gzip.decompress(exposition.gzip_text(OWN, Escaping.DOTS)) == exposition.text(OWN, Escaping.DOTS)


def test_the_escaped_text_follows_every_change_and_the_fast_path_comes_back() -> None:
    store = Store()
    exposition = Exposition(store)
    push(store, "a", b'{"a.b"} 1\n')
    assert b"\na_b{" in exposition.text([]) or exposition.text([]).startswith(b"# TYPE a_b")
    push(store, "a", b'{"a.b"} 2\n')  # an in-place re-push of the same series
    assert b'a_b{instance="",job="a"} 2\n' in exposition.text([])
    push(store, "b", b'{"a.b",x="y"} 3\n')
    assert b'a_b{instance="",job="b",x="y"} 3\n' in exposition.text([])
    store.delete({"job": "a"})
    store.delete({"job": "b"})
    push(store, "c", b"legacy 1\n")
    assert b'\nlegacy{instance="",job="c"} 1\n' in exposition.text([])
    assert exposition._odd == 0  # nothing left to escape: every scrape is the cached one again
    store.wipe()
    assert exposition._odd == 0 and exposition.text([], Escaping.VALUES) == b""


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(Escaping))
def test_cached_escaped_text_matches_a_fresh_render(seed: int, escaping: Escaping) -> None:
    """Whatever was pushed, replaced and deleted: each escaping equals rendering the merged families afresh."""
    rng = random.Random(seed)
    store = Store()
    exposition = Exposition(store)
    for _ in range(rng.randrange(1, 40)):
        job = f"j{rng.randrange(4)}"
        if rng.random() < 0.15:
            store.delete({"job": job})
            continue
        lines = []
        for name in rng.sample(["m", "a.b", "1x", "ü", "my_metric", "my.metric"], rng.randrange(1, 4)):
            label = rng.choice(["a", "b.c", "d-e", "f:g"])
            lines.append(f'{{"{name}","{label}"="{rng.randrange(3)}"}} {rng.randrange(9)}\n')
        body = "".join(lines).encode()
        result = store.push({"job": job}, parse_text(body, utf8=True), replace=rng.random() < 0.5, now_ns=NOW)
        assert result.accepted, result.errors
        exposition.text([], rng.choice(list(Escaping)))  # fill the caches with other escapings in between
    merged = Exposition(store).families([], Escaping.ALLOW_UTF8)  # as stored: allow-utf-8 escapes nothing
    fresh = b"".join(render_escaped(f, escaping) for f in merged)
    assert exposition.text([], escaping) == fresh
    assert gzip.decompress(exposition.gzip_text([], escaping)) == fresh
    assert exposition.protobuf([], escaping) == encode_delimited([escape_family(f, escaping) for f in merged])


def test_gauge_and_float_histograms_are_escaped_as_histograms() -> None:
    """A gauge histogram with float counts under every escaping: buckets, float counts, `# TYPE … histogram`."""
    store = Store()
    exposition = Exposition(store)
    push(
        store,
        "a",
        b'# TYPE "gh.x" gaugehistogram\n{"gh.x_bucket","q.r"="s",le="1"} 1.5\n{"gh.x_sum","q.r"="s"} 2\n'
        b'{"gh.x_count","q.r"="s"} 2.5\n',
    )
    expected = {
        Escaping.UNDERSCORES: b'# TYPE gh_x histogram\ngh_x_bucket{instance="",job="a",q_r="s",le="1"} 1.5\n'
        b'gh_x_bucket{instance="",job="a",q_r="s",le="+Inf"} 2.5\ngh_x_sum{instance="",job="a",q_r="s"} 2\n'
        b'gh_x_count{instance="",job="a",q_r="s"} 2.5\n',
        Escaping.VALUES: b'# TYPE U__gh_2e_x histogram\nU__gh_2e_x_bucket{instance="",job="a",U__q_2e_r="s",le="1"} 1.5\n',
        Escaping.ALLOW_UTF8: b'# TYPE "gh.x" histogram\n{"gh.x_bucket",instance="",job="a","q.r"="s",le="1"} 1.5\n'
        b'{"gh.x_bucket",instance="",job="a","q.r"="s",le="+Inf"} 2.5\n{"gh.x_sum",instance="",job="a","q.r"="s"} 2\n'
        b'{"gh.x_count",instance="",job="a","q.r"="s"} 2.5\n',
    }
    for escaping, block in expected.items():
        assert exposition.text([], escaping).startswith(block)
        assert gzip.decompress(exposition.gzip_text([], escaping)).startswith(block)
    (family,) = [f for f in exposition.families([], Escaping.DOTS) if f.name == "gh_dot_x"]
    assert family.type is MetricType.GAUGE_HISTOGRAM
    histogram = family.metrics[0].histogram
    assert histogram is not None and histogram.sample_count_float == 2.5
