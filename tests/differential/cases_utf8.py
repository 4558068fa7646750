"""UTF-8 names, checked against the real Pushgateway 1.11.0 with `--push.enable-utf8-names` off and on (`flag off: …`, `flag on: …`).

Delta §2, §4.1, §4.2, §6.1, §6.2, §6.5; probe §3. Only what the Debian 1.11.0 binary and upstream
1.11.3 answer alike is here (the "same answer" set); where they differ, or where 1.11.0 is broken,
the case is in test_deliberate_utf8.py instead: the text parser's name validation without the flag
(1.11.2), protobuf label names like `bad-label` without the flag (1.11.2), escaping of
delimited-protobuf scrapes (1.11.3), `{}` lines, six-digit `U__` codes, `U______foo`, labels
before the name inside braces. 1.5.1 has none of this, so the cases are 1.11.0's only, but for the
flag-off ones it answers alike (`_ALSO_1_5`); where it differs, test_deliberate_utf8.py shows it.
"""

from __future__ import annotations

from tests.support.diff import BOTH, ONLY_1_11, Case
from tests.support.diff import Req as R
from tests.support.metrics_pb import PROTO_CT, delimited, family

PB = {"Content-Type": PROTO_CT}
_PROTO = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily"
UTF8_ARGS = ("--web.enable-admin-api", "--push.enable-utf8-names")
UTF8_CONFIG = {"enable_admin_api": True, "enable_utf8_names": True}


def _scrape(accept: str, encoding: str = "") -> R:
    headers = {"Accept": accept}
    if encoding:
        headers["Accept-Encoding"] = encoding
    return R("GET", "/metrics", headers=headers)


def _every_escaping(*, delimited_scrape: bool = False) -> list[R]:
    """Scrapes in text with each escaping, and in the protobuf text formats (1.11.0 escapes those too)."""
    requests = [
        _scrape(""),
        _scrape("text/plain;version=0.0.4;escaping=underscores"),
        _scrape("text/plain;version=0.0.4;escaping=dots"),
        _scrape("text/plain;version=0.0.4;escaping=values"),
        _scrape("text/plain;version=0.0.4;escaping=allow-utf-8"),
        _scrape(f"{_PROTO};encoding=text;escaping=dots"),
        _scrape(f"{_PROTO};encoding=compact-text;escaping=values"),
        _scrape(f"{_PROTO};encoding=compact-text;escaping=allow-utf-8"),
    ]
    if delimited_scrape:
        # 1.11.0 never escapes delimited scrapes; with allow-utf-8 that is what 1.11.3 does too.
        requests.append(_scrape(f"{_PROTO};encoding=delimited;escaping=allow-utf-8"))
    return requests


_ODD_PROTOBUF = delimited(
    family("1bad", "COUNTER", "starts with a digit", [{"counter": 2}]),
    family("my.metric", "GAUGE", "dotted", [{"labels": {"kind": "a"}, "gauge": 1}, {"gauge": 3}]),
    family("ok_metric", "GAUGE", None, [{"labels": {"ab": "legacy"}, "gauge": 4}]),
)
"""Legacy label names only: without the flag, 1.11.0 still refuses others (a deliberate difference)."""

_UTF8_LABELS_PROTOBUF = delimited(
    family(
        "my.metric",
        "GAUGE",
        "dotted",
        [{"labels": {"dotted.label": "x", "bad-label": "y"}, "gauge": 1}, {"labels": {"ü": "z"}, "gauge": 2}],
    ),
    family("m", "COUNTER", None, [{"labels": {"a:b": "c", "1x": "d"}, "counter": 5}]),
    family("h.x", "HISTOGRAM", None, [{"labels": {"q.r": "s"}, "histogram": {"count": 3, "sum": 1.5}}]),
    family("s.x", "SUMMARY", None, [{"summary": {"count": 2, "sum": 4.0, "quantiles": [(0.5, 1.0)]}}]),
)

_NEGOTIATION = [
    _scrape(""),
    _scrape("*/*"),
    _scrape("text/plain;version=1.0.0"),
    _scrape("application/openmetrics-text;version=1.0.0"),
    _scrape("application/json"),
    _scrape(_PROTO),
    _scrape("text/plain;version=0.0.4;escaping=allow-utf-8"),
    _scrape("text/plain;escaping=dots"),
    _scrape("text/plain;escaping=values"),
    _scrape("text/plain;escaping=underscores"),
    _scrape("text/plain;escaping=bogus"),
    _scrape("text/plain;escaping=ALLOW-UTF-8"),
    _scrape("text/plain;Escaping=dots"),
    _scrape("application/openmetrics-text;escaping=allow-utf-8;q=0.5,text/plain;q=0.4"),
    _scrape("text/plain;q=0.4,application/openmetrics-text;escaping=allow-utf-8;q=0.5"),
    _scrape(f"text/plain;escaping=dots,{_PROTO};encoding=delimited;escaping=values"),
    _scrape(f"{_PROTO};encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3"),
    _scrape(f"{_PROTO};encoding=text"),
    _scrape(f"{_PROTO};encoding=compact-text;escaping=dots"),
    _scrape("text/plain;a=b=c;escaping=dots"),
    _scrape("*/*;q=0.9;escaping=dots, text/plain;q=0.5"),
    _scrape("text/plain;q=0.5, */*;q=0.9;escaping=dots"),
    _scrape(f"text/;q=0.9, {_PROTO};encoding=compact-text;q=0.5"),
    _scrape(f"{_PROTO};encoding=delimited;proto=a=b, text/plain;q=0.1"),
]

_NAME_ERRORS = [
    R("PUT", "/metrics/job/e", b'x{__name__ "a"} 1\n'),
    R("PUT", "/metrics/job/e", b'ok 1\n{"a\nb"} 2\n'),
    R("PUT", "/metrics/job/e", b'ok 1\n\n{"a\\qb"} 2\n'),
    R("PUT", "/metrics/job/e", b"{foo,bar} 1\n"),
    R("PUT", "/metrics/job/e", b"{foo x} 1\n"),
    R("PUT", "/metrics/job/e", b"{a:b} 1\n"),
    R("PUT", "/metrics/job/e", b'{a="b"} 1\n'),
    R("PUT", "/metrics/job/e", b'x{"a"b="c"} 1\n'),
    R("PUT", "/metrics/job/e", b'"a"b 1\n'),
    R("PUT", "/metrics/job/e", b'x{a="b",foo} 1\n'),
    R("PUT", "/metrics/job/e", b'"x\n'),
    R("PUT", "/metrics/job/e", b'# HELP "x\n'),
    R("PUT", "/metrics/job/e", b"# HELP x\\ y\n"),
    R("PUT", "/metrics/job/e", b"# HELP a b \\q\n"),
    R("GET", "/api/v1/metrics"),
]

# Both modes: quoted names that are legacy-valid, names inside braces, HELP `\"`, the tokenizer's errors.
_COMMON: dict[str, list[R]] = {
    "quoted legacy names are accepted": [
        R("PUT", "/metrics/job/q", b'{"foo"} 1\n"bar" 2\nx{"ab"="v"} 3\n"baz"{c="d"} 4\n'),
        R("PUT", "/metrics/job/r", b'# HELP "hq" a "quoted" help\n# TYPE "hq" gauge\n"hq" 5\n'),
    ],
    "metric name inside braces": [
        R("PUT", "/metrics/job/b", b'{baz} 1\n{qux,x="y"} 2\n{x="z",quux} 3\n{ spaced , a = "b" } 4\n'),
    ],
    "a quote inside a bare name toggles quoting": [R("PUT", "/metrics/job/t", b'foo"bar" 1\nx{l"ab"="v"} 2\n')],
    "summary and histogram lines inside braces": [
        R(
            "PUT",
            "/metrics/job/sh",
            b'# TYPE s summary\n{s,quantile="0.5"} 1\n{s_sum} 2\n{s_count} 3\n'
            b'# TYPE h histogram\n{h_bucket,le="1"} 1\n{h_bucket,le="+Inf"} 2\n{h_sum} 3\n{h_count} 2\n',
        ),
    ],
    "HELP with escaped quotes": [R("PUT", "/metrics/job/h", b'# HELP hq a \\"quoted\\" \\\\ help\nhq 1\n')],
    "name errors and their line numbers": _NAME_ERRORS,
    "escaping negotiation of an empty store": _NEGOTIATION,
    "protobuf metric names are escaped in scrapes": [
        R("PUT", "/metrics/job/esc", _ODD_PROTOBUF, PB),
        *_every_escaping(),
        _scrape("text/plain;escaping=allow-utf-8", "gzip"),
        _scrape("", "gzip"),
    ],
    "names that escape to the same name stay two families": [
        R("PUT", "/metrics/job/twin", delimited(family("my.metric", "GAUGE", None, [{"gauge": 1}])), PB),
        R("PUT", "/metrics/job/twin2", b"# TYPE my_metric gauge\nmy_metric 2\n"),
        _scrape(""),
        _scrape("text/plain;escaping=dots"),
    ],
    "escaping negotiation with names to escape": [
        R("PUT", "/metrics/job/esc", _ODD_PROTOBUF, PB),
        *_NEGOTIATION[:12],
    ],
    "job values are never unescaped": [R("PUT", "/metrics/job/U__a_2e_b", b"x 1\n")],
}

_OFF: dict[str, list[R]] = {
    **_COMMON,
    "grouping label names stay legacy": [
        R("PUT", "/metrics/job/g1/foo.bar/x", b"m 1\n"),
        R("PUT", "/metrics/job/g2/U__foo_2e_bar/x", b"m 1\n"),
        R("PUT", "/metrics/job/g3/U__foo_2e_bar@base64/YmF6", b"m 1\n"),
        R("PUT", "/metrics/job/g4/x@base64@base64/YQ", b"m 1\n"),
        R("PUT", "/metrics/job/g5/%C3%BC/x", b"m 1\n"),
        R("PUT", "/metrics/job/g6/1x/x", b"m 1\n"),
        R("PUT", "/metrics/job/g7/a:b/x", b"m 1\n"),
        R("PUT", "/metrics/job/g8/U______foo/x", b"m 1\n"),
        R("PUT", "/metrics/job/g9/U__/x", b"m 1\n"),
        R("PUT", "/metrics/job/g10/%FF/x", b"m 1\n"),
        R("PUT", "/metrics/job/g11/@base64/YQ", b"m 1\n"),
        R("DELETE", "/metrics/job/g2/U__foo_2e_bar/x"),
    ],
}

_ON: dict[str, list[R]] = {
    **_COMMON,
    "quoted UTF-8 names": [
        R(
            "PUT",
            "/metrics/job/q",
            b'{"a.b"} 1\n"c.d" 2\n{"e.f","g.h"="x"} 3\nx{"i.j"="v"} 4\n"k.l"{m="n"} 5\n'
            b'{o="p","q.r"} 6\n{"caf\xc3\xa9"} 7\nx{"\xe2\x9c\x93"="ok"} 8\n',
        ),
        *_every_escaping(delimited_scrape=True),
    ],
    "upstream TestPushUTF8 body": [
        R(
            "PUT",
            "/metrics/job/testjob",
            b"some_metric 3.14\n"
            b'{"another.metric",instance="testinstance",job="testjob","dotted.label.name"="mylabelvalue"} 42\n',
        ),
        _scrape("text/plain;version=0.0.4;escaping=allow-utf-8"),
    ],
    "HELP and TYPE with quoted names": [
        R("PUT", "/metrics/job/ht", b'# HELP "foo.bar" some help\n# TYPE "foo.bar" counter\n"foo.bar" 1\n'),
        _scrape("text/plain;escaping=allow-utf-8"),
        _scrape("text/plain;escaping=values"),
    ],
    "summary and histogram with UTF-8 names": [
        R(
            "PUT",
            "/metrics/job/sh",
            b'# TYPE "s.x" summary\n{"s.x",quantile="0.5"} 1\n{"s.x_sum"} 2\n{"s.x_count"} 3\n'
            b'# TYPE "h.x" histogram\n{"h.x_bucket","l.m"="n",le="1"} 1\n{"h.x_bucket","l.m"="n",le="+Inf"} 2\n'
            b'{"h.x_sum","l.m"="n"} 3\n{"h.x_count","l.m"="n"} 2\n',
        ),
        *_every_escaping(delimited_scrape=True),
    ],
    "grouping label names are decoded": [
        R("PUT", "/metrics/job/g1/foo.bar/x", b"m 1\n"),
        R("PUT", "/metrics/job/g2/U__foo_2e_bar/x", b"m 1\n"),
        R("PUT", "/metrics/job/g3/U__foo_2e_bar@base64/YmF6", b"m 1\n"),
        R("PUT", "/metrics/job/g4/x@base64@base64/YQ", b"m 1\n"),
        R("PUT", "/metrics/job/g5/U___55_____/x", b"m 1\n"),
        R("PUT", "/metrics/job/g6/U__a__b/x", b"m 1\n"),
        R("PUT", "/metrics/job/g7/U__in_xxx_valid/x", b"m 1\n"),
        R("PUT", "/metrics/job/g8/U__x_1F600_y/x", b"m 1\n"),
        R("PUT", "/metrics/job/g9/U__x_0_y/x", b"m 1\n"),
        R("PUT", "/metrics/job/g10/U__x_d800_y/x", b"m 1\n"),
        R("PUT", "/metrics/job/g11/%C3%BC/x", b"m 1\n"),
        R("PUT", "/metrics/job/g12/1x/x", b"m 1\n"),
        R("PUT", "/metrics/job/g13/a:b/x", b"m 1\n"),
        R("PUT", "/metrics/job/g14/x-y/x/U__z_2d_w/v", b"m 1\n"),
        R("PUT", "/metrics/job/g15/%FF/x", b"m 1\n"),
        R("PUT", "/metrics/job/g16/U__/x", b"m 1\n"),
        R("PUT", "/metrics/job/g17/@base64/YQ", b"m 1\n"),
        R("PUT", "/metrics/job/g18/__x/y", b"m 1\n"),
        R("PUT", "/metrics/job/g19/U__x_110000_y/x", b"m 1\n"),
        R("DELETE", "/metrics/job/g2/U__foo_2e_bar/x"),
        R("DELETE", "/metrics/job/g1/U__foo_2e_bar/x"),
        _scrape("text/plain;escaping=allow-utf-8"),
    ],
    "protobuf UTF-8 label names": [
        R("PUT", "/metrics/job/pb", _UTF8_LABELS_PROTOBUF, PB),
        *_every_escaping(delimited_scrape=True),
    ],
    "UTF-8 names in POST and a later PUT": [
        R("PUT", "/metrics/job/p/U__a_2e_b/1", b'{"x.y"} 1\n'),
        R("POST", "/metrics/job/p/a.b/1", b'{"z.w","l.m"="n"} 2\n'),
        R("PUT", "/metrics/job/p/a.b/1", b'{"z.w"} 3\n'),
        _scrape("text/plain;escaping=allow-utf-8"),
    ],
}

_ALSO_1_5 = frozenset({"job values are never unescaped", "grouping label names stay legacy"})
"""The flag-off cases 1.5.1 answers as 1.11.0 does (but for the escaping term its scrape Content-Types lack).

The others it refuses (quoted names, names in braces, `\\"` in HELP: a parse error) or exposes
unescaped (`1bad`, `my.metric`), or reads `proto=a=b` as a parameter.
"""

GROUP = "utf8"
CASES: dict[str, Case] = {
    **{
        f"flag off: {name}": Case(requests, versions=BOTH if name in _ALSO_1_5 else ONLY_1_11)
        for name, requests in _OFF.items()
    },
    # 1.5.1 has no --push.enable-utf8-names: it would not start.
    **{
        f"flag on: {name}": Case(requests, go_args=UTF8_ARGS, config=UTF8_CONFIG, versions=ONLY_1_11)
        for name, requests in _ON.items()
    },
}
