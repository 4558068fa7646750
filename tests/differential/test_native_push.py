"""A Go-style protobuf push with native histograms and exemplars, built with our codec, against the real 1.11.0.

The same body goes to the 1.11.0 binary and to ours; the protobuf scrapes must be byte for byte the
same once each server's own metrics (and the push timestamps, which differ by time) are taken out,
and `/api/v1/metrics` must be equal. The same holds for any wire form a client may use (fields out
of order, packed deltas, repeats, unknown fields), drawn by hypothesis; and for `encoding=text` /
`compact-text` once the binary's extra spaces are collapsed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.protocol import wire
from bridge.protocol.model import Histogram, Metric, MetricFamily, MetricType
from bridge.protocol.native import NativeHistogram, Span
from bridge.protocol.protobuf import decode_delimited, delimit, encode_delimited
from tests.support import wire_gen
from tests.support.metrics_pb import PROTO_CT
from tests.support.nativehist_oracle import pushgateway_111
from tests.support.normalise import OWN_PREFIXES, TIMESTAMP_FAMILIES, normalise_api
from tests.support.servers import ThreadGateway

pytestmark = pytest.mark.oracle
_PROTO = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily"


@pytest.fixture(scope="module")
def urls() -> Iterator[tuple[str, str]]:
    ours = ThreadGateway()
    try:
        with pushgateway_111() as go:
            yield go, ours.url
    finally:
        ours.stop()


def _go_style_families() -> list[MetricFamily]:
    """What a client_golang program pushes: native, mixed and float histograms, exemplars, created timestamps."""
    native = NativeHistogram(
        schema=3,
        zero_threshold=2.938735877055719e-39,
        zero_count=2,
        negative_spans=(Span(-2, 1),),
        negative_deltas=(4,),
        positive_spans=(Span(0, 2), Span(1, 1)),
        positive_deltas=(3, -1, 2),
    )
    mixed = NativeHistogram(
        schema=0, zero_threshold=0.001, zero_count=1, positive_spans=(Span(-1, 3),), positive_deltas=(1, 2, -1)
    )
    floats = NativeHistogram(
        schema=-1,
        zero_threshold=0.5,
        zero_count_float=1.5,
        negative_spans=(Span(0, 1),),
        negative_counts=(0.25,),
        positive_spans=(Span(1, 2),),
        positive_counts=(2.5, 3.5),
    )
    return [
        MetricFamily(
            "rpc_seconds",
            MetricType.HISTOGRAM,
            "RPC latency.",
            [
                Metric(labels=(("code", "200"),), histogram=Histogram(11, 99.23, [], native=native)),
                Metric(labels=(("code", "500"),), histogram=Histogram(7, 3.0, [(0.5, 1), (1.0, 4)], native=mixed)),
            ],
        ),
        MetricFamily(
            "load",
            MetricType.HISTOGRAM,
            None,
            [Metric(histogram=Histogram(0, 3.25, [], sample_count_float=7.75, native=floats))],
        ),
        MetricFamily(
            "classic_float",
            MetricType.GAUGE_HISTOGRAM,
            None,
            [
                Metric(
                    histogram=Histogram(
                        0, 2.0, [(0.5, 0), (math.inf, 0)], sample_count_float=4.5, bucket_floats=[1.5, 4.5]
                    )
                )
            ],
        ),
    ]


def _message(*fields: tuple[int, object]) -> bytes:
    """A message from (field number, value) pairs, with our codec's wire helpers: float → double, int → varint, bytes → nested."""
    out = bytearray()
    for number, value in fields:
        if isinstance(value, float):
            wire.put_double(out, number, value)
        elif isinstance(value, int):
            wire.put_uint(out, number, value)
        else:
            assert isinstance(value, bytes)
            wire.put_bytes(out, number, value)
    return bytes(out)


def _with_exemplars() -> bytes:
    """The same families, and a counter with an exemplar and a created timestamp as client_golang writes it."""
    exemplar = _message(
        (1, _message((1, b"trace_id"), (2, b"abc"))), (2, 1.5), (3, _message((1, 1_700_000_000), (2, 123_000_000)))
    )
    counter = _message((1, 5.0), (2, exemplar), (3, _message((1, 1_690_000_000), (2, 5))))
    family = _message((1, b"requests_total"), (2, b"Requests."), (3, 0), (4, _message((3, counter))))
    return encode_delimited(_go_style_families()) + delimit(family)


def _frames(body: bytes) -> dict[str, bytes]:
    """Each family's message bytes by name, without the servers' own and the push timestamp families."""
    frames: dict[str, bytes] = {}
    pos = 0
    while pos < len(body):
        length = shift = 0
        while True:
            byte = body[pos]
            pos += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                break
        message = body[pos : pos + length]
        pos += length
        (name,) = decode_delimited(delimit(message)).keys()
        if not name.startswith(OWN_PREFIXES) and name not in TIMESTAMP_FAMILIES:
            frames[name] = message
    return frames


def _scrape(url: str, accept: str = PROTO_CT) -> bytes:
    response = httpx.get(url + "/metrics", headers={"Accept": accept})
    assert response.status_code == 200
    return response.content


def _push_both(urls: tuple[str, str], job: str, body: bytes) -> None:
    for url in urls:
        response = httpx.put(f"{url}/metrics/job/{job}", content=body, headers={"Content-Type": PROTO_CT})
        assert response.status_code == 200, (url, response.text)


def _api_groups(url: str, job: str) -> list[dict[str, object]]:
    groups = normalise_api(httpx.get(url + "/api/v1/metrics").content)
    return [g for g in groups if g["labels"] == {"job": job}]


def test_a_go_style_push_scrapes_byte_for_byte_as_1_11_0(urls: tuple[str, str]) -> None:
    go, ours = urls
    _push_both(urls, "gostyle", _with_exemplars())
    go_frames, our_frames = _frames(_scrape(go)), _frames(_scrape(ours))
    assert set(go_frames) == {"rpc_seconds", "load", "classic_float", "requests_total"}
    assert our_frames == go_frames
    assert _api_groups(ours, "gostyle") == _api_groups(go, "gostyle")


def _single_spaced(text: bytes, *, compact: bool) -> bytes:
    """The Debian build's prototext with its extra spaces collapsed (no value here holds two spaces).

    Multi-line, the extra space follows every `name:` (indents are two spaces too, so only those
    are touched); on one line it is between fields.
    """
    return text.replace(b"  ", b" ") if compact else text.replace(b":  ", b": ")


@pytest.mark.parametrize("encoding", ["text", "compact-text"])
def test_prototext_scrapes_print_what_1_11_0_prints(urls: tuple[str, str], encoding: str) -> None:
    go, ours = urls
    _push_both(urls, "gostyle", _with_exemplars())
    accept = f"{_PROTO}; encoding={encoding}"
    separator = b"\n\n" if encoding == "text" else b"\n"

    def blocks(body: bytes) -> dict[str, bytes]:
        found = {}
        for block in body.split(separator):
            match = re.match(rb'name: ?"([^"]*)"', block)
            if match and match.group(1).decode() in ("rpc_seconds", "load", "classic_float", "requests_total"):
                found[match.group(1).decode()] = block
        return found

    go_blocks, our_blocks = (
        blocks(_single_spaced(_scrape(go, accept), compact=encoding == "compact-text")),
        blocks(_scrape(ours, accept)),
    )
    assert len(go_blocks) == 4
    assert our_blocks == go_blocks


@st.composite
def _histogram_families_on_the_wire(draw: st.DrawFn) -> bytes:
    """A HISTOGRAM family whose metrics' histograms come in any wire form, plus unknown Metric fields."""
    metrics = []
    for index in range(draw(st.integers(1, 3))):
        histogram = draw(wire_gen.message("Histogram", 1, overlong_unknown_tags=True))
        label = b"\x0a\x01i\x12\x01" + str(index).encode()
        metric = b"\x0a" + bytes([len(label)]) + label + b"\x3a" + wire_gen.varint(len(histogram)) + histogram
        if draw(st.booleans()):
            metric += b"\xb8\x06" + wire_gen.varint(draw(st.integers(0, 1 << 40)))
        metrics.append(b"\x22" + wire_gen.varint(len(metric)) + metric)
    family = b"\x0a\x04wire\x18\x04" + b"".join(metrics)
    return delimit(family)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_histogram_families_on_the_wire())
def test_any_wire_form_scrapes_as_1_11_0_re_encodes_it(urls: tuple[str, str], body: bytes) -> None:
    go, ours = urls
    go_answer, our_answer = (
        httpx.put(f"{url}/metrics/job/wire", content=body, headers={"Content-Type": PROTO_CT}) for url in urls
    )
    assert (our_answer.status_code, our_answer.text) == (go_answer.status_code, go_answer.text)
    if go_answer.status_code == 200:
        assert _frames(_scrape(ours))["wire"] == _frames(_scrape(go))["wire"]
