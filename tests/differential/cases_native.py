"""Differential cases for histograms and protobuf fidelity, answered by the real Pushgateway 1.11.0.

Native histograms (integer, float, mixed, edge schemas), float classic histograms, gauge histograms,
exemplars and created timestamps, `unit`, protodelim's stream rules, and native histograms with
UTF-8 names under every escaping; each case pushes, then reads the protobuf scrape and
`/api/v1/metrics`. `state=False` where 1.11.0's text scrape is not what a correct 1.11 writes
(float counts, gauge histograms): those are in test_deliberate_native.py instead. Pushes are built
with google.protobuf (tests/support/metrics_pb), independently of our codec. The cases are 1.11.0's
only, but for the protobuf scrapes of what 1.5.1 already kept and re-emitted alike (`BOTH`).
"""

from __future__ import annotations

import dataclasses

from google.protobuf import text_format

from tests.support import metrics_pb
from tests.support.diff import BOTH, ONLY_1_11, Case
from tests.support.diff import Req as R

PB = {"Content-Type": metrics_pb.PROTO_CT}
DELIMITED = R("GET", "/metrics", headers={"Accept": metrics_pb.PROTO_CT, "Accept-Encoding": "identity"})
_PROTO = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily"
PROTO_TEXT = R("GET", "/metrics", headers={"Accept": f"{_PROTO}; encoding=text", "Accept-Encoding": "identity"})
PROTO_COMPACT = R("GET", "/metrics", headers={"Accept": f"{_PROTO}; encoding=compact-text"})
API = R("GET", "/api/v1/metrics")


def fam(text: str) -> bytes:
    """A delimited family from its protobuf text form."""
    return metrics_pb.delimited(text_format.Parse(text, metrics_pb.MetricFamily()))


def push(job: str, *bodies: bytes) -> R:
    return R("PUT", f"/metrics/job/{job}", b"".join(bodies), PB)


NH = fam(
    'name: "nh" help: "native int" type: HISTOGRAM metric { label { name: "a" value: "1" } histogram {'
    " sample_count: 11 sample_sum: 99.23 schema: 3 zero_threshold: 1e-128 zero_count: 2"
    " negative_span { offset: -2 length: 1 } negative_delta: 4"
    " positive_span { offset: 0 length: 2 } positive_span { offset: 1 length: 1 } positive_delta: 3 positive_delta: -1"
    " positive_delta: 2 } }"
)
NF = fam(
    'name: "nf" type: HISTOGRAM metric { histogram {'
    " sample_count_float: 7.75 sample_sum: 3.25 schema: -1 zero_threshold: 0.5 zero_count_float: 1.5"
    " negative_span { offset: 0 length: 1 } negative_count: 0.25"
    " positive_span { offset: 1 length: 2 } positive_count: 2.5 positive_count: 3.5 } }"
)
MH = fam(
    'name: "mh" type: HISTOGRAM metric { histogram { sample_count: 7 sample_sum: 3'
    " bucket { cumulative_count: 1 upper_bound: 0.5 } bucket { cumulative_count: 4 upper_bound: 1 }"
    " schema: 0 zero_threshold: 0.001 zero_count: 1 positive_span { offset: -1 length: 3 }"
    " positive_delta: 1 positive_delta: 2 positive_delta: -1 } }"
)
CF = fam(
    'name: "cf" type: HISTOGRAM metric { histogram { sample_count_float: 4.5 sample_sum: 2'
    " bucket { cumulative_count_float: 1.5 upper_bound: 0.5 } bucket { cumulative_count_float: 3.5 upper_bound: 1 } } }"
)
EDGES = b"".join(
    [
        fam(
            'name: "e_nospan" type: HISTOGRAM metric { histogram { sample_count: 5 schema: 3 zero_count: 5 zero_threshold: 0.1 } }'
        ),
        fam(
            'name: "e_noop" type: HISTOGRAM metric { histogram { schema: 0 zero_threshold: 0 zero_count: 0 positive_span { offset: 0 length: 0 } } }'
        ),
        fam(
            'name: "e_s8" type: HISTOGRAM metric { histogram { sample_count: 3 schema: 8'
            " positive_span { offset: 255 length: 3 } positive_delta: 1 positive_delta: 0 positive_delta: 0 } }"
        ),
        fam(
            'name: "e_max" type: HISTOGRAM metric { histogram { sample_count: 1 schema: -4'
            " positive_span { offset: 63 length: 2 } positive_delta: 1 positive_delta: -1 } }"
        ),
        fam(
            'name: "e_zero" type: HISTOGRAM metric { histogram { sample_count: 0 schema: 2'
            " positive_span { offset: -3 length: 3 } negative_span { offset: 2 length: 2 }"
            " positive_delta: 0 positive_delta: 0 positive_delta: 0 negative_delta: 0 negative_delta: 0 } }"
        ),
    ]
)
EXEMPLARS = b"".join(
    [
        fam(
            'name: "ex_c" help: "counter ex" type: COUNTER metric { counter { value: 5 exemplar {'
            ' label { name: "trace_id" value: "abc" } value: 1.5 timestamp { seconds: 1700000000 nanos: 123000000 } }'
            " created_timestamp { seconds: 1690000000 nanos: 5 } } }"
        ),
        fam(
            'name: "ex_s" type: SUMMARY metric { summary { sample_count: 2 sample_sum: 3'
            " quantile { quantile: 0.5 value: 1 } created_timestamp { seconds: 1690000001 } } }"
        ),
        fam(
            'name: "ex_h" type: HISTOGRAM metric { histogram { sample_count: 4 sample_sum: 5'
            ' bucket { cumulative_count: 2 upper_bound: 1 exemplar { label { name: "t" value: "b" } value: 0.5 } }'
            " created_timestamp { seconds: 1690000002 } schema: 0 zero_threshold: 0.001 zero_count: 2"
            " positive_span { offset: 0 length: 1 } positive_delta: 2"
            ' exemplars { label { name: "t" value: "n1" } value: 0.7 timestamp { seconds: 1700000001 } } } }'
        ),
        fam('name: "ex_u" help: "unit" type: GAUGE unit: "seconds" metric { gauge { value: 1 } }'),
    ]
)
GH = fam(
    'name: "gh" help: "gauge histogram" type: GAUGE_HISTOGRAM metric { histogram { sample_count: 3 sample_sum: 1.5'
    " bucket { cumulative_count: 2 upper_bound: 1 } } }"
)
_ONE = fam('name: "pd" type: GAUGE metric { gauge { value: 1 } }')


def _prefix(extra_bytes: int) -> bytes:
    """`_ONE` with its one-byte length written in 1 + `extra_bytes` bytes."""
    return bytes([_ONE[0] | 0x80]) + b"\x80" * (extra_bytes - 1) + b"\x00" + _ONE[1:]


_CASES: dict[str, Case] = {
    "integer native histogram": Case([push("nat", NH), DELIMITED, API]),
    "float native histogram": Case([push("nat", NF), DELIMITED, API], state=False),
    "mixed classic and native": Case([push("nat", MH), DELIMITED, API]),
    "classic float histogram": Case([push("nat", CF), DELIMITED, API], state=False),
    "native edges: no span, no-op span, schema 8, the largest bound, only empty buckets": Case(
        [push("nat", EDGES), API]
    ),
    "exemplars, created timestamps and unit": Case([push("ex", EXEMPLARS), DELIMITED, PROTO_TEXT, PROTO_COMPACT, API]),
    "gauge histogram via protobuf": Case([push("gh", GH), DELIMITED, PROTO_COMPACT, API], state=False),
    "a native histogram next to others in a POST": Case([push("nat", NH), R("POST", "/metrics/job/nat", MH, PB), API]),
    "protodelim: EOF inside a length prefix": Case([push("pd", _ONE + b"\x80"), push("pd2", b"\x80")]),
    "protodelim: a length and no payload": Case([push("pd", _ONE + b"\x05"), push("pd2", b"\x05")]),
    "protodelim: six- and ten-byte length prefixes": Case([push("pd", _prefix(5)), push("pd2", _prefix(9))]),
    "protodelim: overlong length prefixes": Case(
        [push("pd", b"\xff" * 10 + b"\x01"), push("pd2", b"\xff" * 9 + b"\x02"), push("pd3", b"\xff\xff\xff")]
    ),
    "protodelim: a length beyond the body": Case([push("pd", b"\x80\x80\x40abc"), push("pd2", _ONE[:-3])]),
    "malformed messages": Case(
        [
            push("m1", b"\x01\x0f"),
            push("m2", b"\x02\x00\x00"),
            push("m3", b"\x03\x22\x01\x00"),
            push("m4", b"\x04\x0a\x05ab"),
            push("m5", b"\x01\x0c"),
            push("m6", b"\x02\x0b\x14"),
            push("m7", b"\x07\x0a\x01x\x22\x02\x12\x05"),
        ]
    ),
    "unknown fields and wrong wire types are kept or ignored as Go does": Case(
        [push("u", b"\x0c\x0a\x02uf\x18\x01\x22\x04\x12\x02\x08\x01"), push("u2", b"\x05\x0a\x01v\x08\x01"), API]
    ),
}
"""What 1.5.1 answered otherwise, or could not be asked (no native API shapes, no protodelim)."""


_ALSO_1_5: dict[str, Case] = {
    "native and float histograms in protobuf scrapes": Case(
        [push("nat", NH, NF, MH, CF, EDGES), DELIMITED], state=False
    ),
    "exemplars, created timestamps and unit in protobuf scrapes": Case([push("ex", EXEMPLARS), DELIMITED], state=False),
}
"""What did not change since 1.5.1, which kept every field and re-emitted it (its Content-Type lacks only `escaping=`)."""

UTF8_ARGS = ("--web.enable-admin-api", "--push.enable-utf8-names")
UTF8_CONFIG = {"enable_admin_api": True, "enable_utf8_names": True}
_NATIVE = (
    " schema: 3 zero_threshold: 1e-128 zero_count: 2 negative_span { offset: -2 length: 1 } negative_delta: 4"
    " positive_span { offset: 0 length: 2 } positive_delta: 3 positive_delta: -1"
)
UTF8_INTEGER = b"".join(
    [
        fam(
            'name: "my.native" help: "dotted" type: HISTOGRAM metric { label { name: "a.b" value: "1" }'
            f" histogram {{ sample_count: 11 sample_sum: 4.5{_NATIVE} }} }}"
        ),
        fam(
            'name: "mixed.h" type: HISTOGRAM metric { label { name: "ok" value: "2" } histogram { sample_count: 11'
            f" sample_sum: 1 bucket {{ cumulative_count: 3 upper_bound: 0.5 }}{_NATIVE} }} }}"
        ),
    ]
)
"""Integer native and mixed histograms with names that are not legacy-valid (1.11.0's text scrape of them is right)."""
UTF8_FLOAT_AND_GAUGE = b"".join(
    [
        fam(
            'name: "my.float" type: HISTOGRAM metric { label { name: "a.b" value: "1" } histogram {'
            " sample_count_float: 7.75 sample_sum: 3.25 schema: -1 zero_threshold: 0.5 zero_count_float: 1.5"
            " positive_span { offset: 1 length: 2 } positive_count: 2.5 positive_count: 3.5 } }"
        ),
        fam(
            'name: "cf.x" type: HISTOGRAM metric { histogram { sample_count_float: 4.5 sample_sum: 2'
            " bucket { cumulative_count_float: 1.5 upper_bound: 0.5 } } }"
        ),
        fam(
            'name: "gh.x" type: GAUGE_HISTOGRAM metric { label { name: "q.r" value: "s" } histogram {'
            f" sample_count: 11 sample_sum: 1.5 bucket {{ cumulative_count: 2 upper_bound: 1 }}{_NATIVE} }} }}"
        ),
    ]
)
"""Float and gauge histograms with such names: only their protobuf scrapes (1.11.0's text of them is not 1.11.3's)."""


def _scrape(accept: str) -> R:
    return R("GET", "/metrics", headers={"Accept": accept, "Accept-Encoding": "identity"})


_TEXT_ESCAPINGS = [
    _scrape(f"text/plain;version=0.0.4;escaping={escaping}")
    for escaping in ("underscores", "dots", "values", "allow-utf-8")
]
_PROTO_ESCAPINGS = [
    _scrape(f"{_PROTO};encoding=text;escaping=dots"),
    _scrape(f"{_PROTO};encoding=compact-text;escaping=values"),
    _scrape(f"{_PROTO};encoding=compact-text;escaping=allow-utf-8"),
    # 1.11.0 never escapes delimited scrapes; with allow-utf-8 that is what 1.11.3 does too.
    _scrape(f"{_PROTO};encoding=delimited;escaping=allow-utf-8"),
]

_UTF8: dict[str, Case] = {
    "utf8 names: native and mixed histograms under every escaping": Case(
        [push("utf8", UTF8_INTEGER), *_TEXT_ESCAPINGS, *_PROTO_ESCAPINGS, API],
        go_args=UTF8_ARGS,
        config=UTF8_CONFIG,
    ),
    "utf8 names: float and gauge histograms in escaped protobuf scrapes": Case(
        [push("utf8", UTF8_FLOAT_AND_GAUGE), *_PROTO_ESCAPINGS, API],
        go_args=UTF8_ARGS,
        config=UTF8_CONFIG,
        state=False,
    ),
}
"""Native, float and gauge histograms whose names need escaping, with `--push.enable-utf8-names`."""

GROUP = "native"
CASES: dict[str, Case] = {
    **{name: dataclasses.replace(case, versions=ONLY_1_11) for name, case in _CASES.items()},
    **{name: dataclasses.replace(case, versions=BOTH) for name, case in _ALSO_1_5.items()},
    **{name: dataclasses.replace(case, versions=ONLY_1_11) for name, case in _UTF8.items()},
}
"""Every case, by name (golden files `tests/golden/<version>/native.json`)."""
