"""Request sequences sent to the real Go Pushgateway and to ours; every one must look the same to a client.

Each case names the part of the semantics reference (`shared/reference/pushgateway-semantics.md`) it
exercises; SCRAPE is `/metrics` content negotiation (expfmt.Negotiate and promhttp's gzip). Go's
answers to every case are recorded in tests/golden/ and replayed against ours without the binary
(tests/http). Cases where we deliberately differ (the 1.5.1 bugs) live in test_deliberate.py.
"""

from __future__ import annotations

import gzip

from tests.support.diff import Req as R
from tests.support.metrics_pb import PROTO_CT, delimited, family

PB = {"Content-Type": PROTO_CT}
GZ = {"Content-Encoding": "gzip"}


def _pb(*families: object) -> bytes:
    return delimited(*families)


def _gz(data: bytes) -> bytes:
    # mtime=0: the case's bytes (and its golden digest) must not depend on when it was built.
    return gzip.compress(data, mtime=0)


ROUTING: dict[str, list[R]] = {
    "trailing slash GET redirects 301": [R("GET", "/metrics/"), R("GET", "/-/healthy/"), R("GET", "/status/")],
    "trailing slash PUT redirects 307 then 404": [
        R("PUT", "/metrics/job/"),
        R("PUT", "/metrics/job"),
        R("POST", "/metrics/job/"),
    ],
    "case-insensitive fixed path": [
        R("GET", "/METRICS"),
        R("GET", "/-/Healthy"),
        R("PUT", "/Metrics/Job/x", b"a 1\n"),
        R("DELETE", "/METRICS/job/x"),
    ],
    "case fix keeps the case of parameters": [
        R("DELETE", "/METRICS/JOB/Xy"),
        R("PUT", "/Metrics/Job@Base64/WHk"),
        R("GET", "/Status/"),
        R("GET", "/STATIC/x"),
        R("GET", "/-/HEALTHY/"),
    ],
    "catch-all roots redirect to their slash": [R("GET", "/debug/pprof"), R("GET", "/static"), R("PUT", "/static")],
    "query string kept in redirects": [
        R("GET", "/metrics/?a=b"),
        R("PUT", "/metrics/job/?x=1"),
        R("GET", "/metrics//?q"),
    ],
    "405 with Allow on push path": [
        R("GET", "/metrics/job/x"),
        R("GET", "/metrics/job/x/a/b"),
        R("PATCH", "/metrics/job/x"),
    ],
    "405 on metrics and healthy": [R("POST", "/metrics"), R("DELETE", "/-/healthy"), R("PUT", "/-/ready")],
    "HEAD is never supported": [R("HEAD", "/metrics"), R("HEAD", "/-/healthy"), R("HEAD", "/metrics/job/x")],
    "OPTIONS on known and unknown paths": [
        R("OPTIONS", "/metrics"),
        R("OPTIONS", "/metrics/job/x"),
        R("OPTIONS", "/nope"),
        R("OPTIONS", "/-/quit"),
    ],
    "404s": [
        R("GET", "/nonexistent"),
        R("PUT", "/metrics/jobs/x"),
        R("GET", "/api"),
        R("DELETE", "/metrics/job@base64"),
    ],
    "unclean paths 301 for every method": [
        R("GET", "/metrics//job"),
        R("PUT", "/metrics/job/a/../b", b"x 1\n"),
        R("DELETE", "/metrics/./job/a"),
        R("GET", "/./metrics"),
    ],
    "dot segments at either end": [
        R("GET", "/metrics/job/.."),
        R("PUT", "/a/../metrics/"),
        R("DELETE", "/.."),
        R("GET", "/metrics/."),
        R("OPTIONS", "/./metrics"),
        R("GET", "/api/v1/../v1/status"),
    ],
    "encoded dots are cleaned": [R("PUT", "/metrics/job/%2E%2E"), R("PUT", "/metrics/job/a/%2e/b")],
    "api subtree redirects": [
        R("GET", "/api/v1"),
        R("GET", "/api/v1/"),
        R("GET", "/api/v1/nothing"),
        R("POST", "/api/v1"),
    ],
    "api wrong methods": [R("DELETE", "/api/v1/metrics"), R("POST", "/api/v1/status"), R("PUT", "/api/v1/metrics")],
    "api OPTIONS everywhere": [
        R("OPTIONS", "/api/v1/anything"),
        R("OPTIONS", "/api/v1/metrics"),
        R("OPTIONS", "/api/v1/"),
    ],
    "admin wipe method": [R("POST", "/api/v1/admin/wipe"), R("GET", "/api/v1/admin/wipe")],
    "health and readiness": [R("GET", "/-/healthy"), R("GET", "/-/ready")],
    "quit without lifecycle": [R("GET", "/-/quit"), R("PUT", "/-/quit"), R("POST", "/-/quit")],
    "gzip header on any non-API request": [
        R("GET", "/-/healthy", headers=GZ),
        R("GET", "/nope", headers=GZ),
        R("GET", "/api/v1/status", headers=GZ),
    ],
    "status page and root": [R("GET", "/status"), R("GET", "/")],
    "percent-encoded slash splits the path": [
        R("PUT", "/metrics/job/a%2Fb", b"x 1\n"),
        R("PUT", "/metrics/job/j/a/b%2Fc", b"x 1\n"),
    ],
}

GRAMMAR: dict[str, list[R]] = {
    "empty last component is an empty value": [R("PUT", "/metrics/job/j/instance/", b"x 1\n")],
    "trailing slash after job is no label": [R("PUT", "/metrics/job/j/", b"x 1\n")],
    "odd number of components": [
        R("PUT", "/metrics/job/j/a"),
        R("POST", "/metrics/job/j/a/b/c"),
        R("DELETE", "/metrics/job/j/a"),
    ],
    "improper label names": [
        R("PUT", "/metrics/job/j/__name__/x"),
        R("PUT", "/metrics/job/j/1x/y"),
        R("PUT", "/metrics/job/j/x-y/1"),
        R("PUT", "/metrics/job/j/a:b/1"),
        R("PUT", "/metrics/job/j/%C3%BC/1"),
        R("PUT", "/metrics/job/j/@base64/YQ"),
        R("PUT", "/metrics/job/j/x@base64@base64/YQ"),
        R("PUT", "/metrics/job/j/lbl@base64x/1"),
        R("PUT", "/metrics/job/j/__x/1"),
    ],
    "base64 job with every padding": [
        R("PUT", "/metrics/job@base64/YQ", b"x 1\n"),
        R("POST", "/metrics/job@base64/YQ=", b"y 1\n"),
        R("POST", "/metrics/job@base64/YQ==", b"z 1\n"),
    ],
    "base64 empty job is required": [
        R("PUT", "/metrics/job@base64/="),
        R("PUT", "/metrics/job@base64/=="),
        R("PUT", "/metrics/job@base64/%3D"),
        R("PUT", "/metrics/job@base64/=/a/b"),
    ],
    "bad base64": [
        R("POST", "/metrics/job@base64/Y"),
        R("PUT", "/metrics/job/j/a@base64/a+b"),
        R("PUT", "/metrics/job/j/a@base64/Y=Q"),
        R("PUT", "/metrics/job/j/a@base64/YQ====YQ"),
    ],
    "bad base64 job on delete": [R("DELETE", "/metrics/job@base64/Y")],
    "base64 values with slash and empty": [
        R("PUT", "/metrics/job/j/a@base64/L3Vzcg", b"x 1\n"),
        R("PUT", "/metrics/job/k/a@base64/=/b/", b"x 1\n"),
        R("PUT", "/metrics/job/l/a@base64/==", b"x 1\n"),
    ],
    "base64 url-safe alphabet": [
        R("PUT", "/metrics/job@base64/LV8", b"x 1\n"),
        R("PUT", "/metrics/job/j/v@base64/Pz8-", b"x 1\n"),
    ],
    "job label in labels part is overridden": [R("PUT", "/metrics/job/j/job/other", b"w 1\n")],
    "repeated label: last wins": [R("PUT", "/metrics/job/j/a/1/a/2", b"v 1\n")],
    "spaces and plus in values": [
        R("PUT", "/metrics/job/j%20k", b"u 1\n"),
        R("PUT", "/metrics/job/j+k", b"t 1\n"),
        R("PUT", "/metrics/job/x/v/a%20b+c", b"t 1\n"),
    ],
    "check order: job base64 before labels": [R("PUT", "/metrics/job@base64/Y/1x/2")],
    "check order: labels before empty job": [R("PUT", "/metrics/job@base64/=/1x/2")],
    "many grouping labels": [R("PUT", "/metrics/job/j" + "".join(f"/l{i}/v{i}" for i in range(40)), b"x 1\n")],
    "long label value": [R("PUT", "/metrics/job/j/v/" + "x" * 5000, b"x 1\n")],
    "unicode values": [R("PUT", "/metrics/job/caf%C3%A9/city/M%C3%BCnchen", b'x{l="\xe2\x9c\x93"} 1\n')],
}

BODIES: dict[str, list[R]] = {
    "trailing comma and empty braces": [R("PUT", "/metrics/job/a", b'x{a="b",} 1\ny{} 2\n')],
    "missing final newline": [R("PUT", "/metrics/job/b", b"x 1")],
    "trailing blank after value": [R("PUT", "/metrics/job/c", b"x 1 \n"), R("PUT", "/metrics/job/c", b"x 1\t\n")],
    "CRLF": [R("PUT", "/metrics/job/d", b"x 1\r\n")],
    "whitespace tolerance": [R("PUT", "/metrics/job/e", b'  x  {  a = "b" , c="d"}2\n\n   \n#\n\tz\t3\n')],
    "no blank between brace and value": [R("PUT", "/metrics/job/e", b'x{a="1"}5\n')],
    "HELP escapes": [
        R("PUT", "/metrics/job/e", b"# HELP y a\\\\nb \\\\ c\ny 1\n"),
        R("PUT", "/metrics/job/f", b"# HELP y a\\tb\ny 1\n"),
    ],
    "label value escapes": [
        R("PUT", "/metrics/job/f", b'q{a="\\"x\\\\y\\nz"} 1\n'),
        R("PUT", "/metrics/job/g", b'q{a="\\q"} 1\n'),
    ],
    "series sort by raw, unescaped label values": [
        R("PUT", "/metrics/job/f", b'q{a="\\"q\\\\"} 1\nq{a="1"} 2\nq{a="\\n"} 3\n')
    ],
    "literal tab and CR in label values": [R("PUT", "/metrics/job/f", b'q{a="x\ty\rz"} 1\n')],
    "unescaped newline in label value": [R("PUT", "/metrics/job/f", b'q{a="x\ny"} 1\n')],
    "HELP without space and with empty text": [
        R("PUT", "/metrics/job/h", b"#HELP z h\nz 2\n# HELP w\nw 1\n# HELP v \nv 1\n")
    ],
    "TYPE case-insensitive and unknown": [
        R("PUT", "/metrics/job/i", b"# TYPE t GAUGE\nt 1\n"),
        R("PUT", "/metrics/job/j", b"# TYPE t gauge extra\nt 1\n"),
        R("PUT", "/metrics/job/j", b"# TYPE t foo\nt 1\n"),
    ],
    "second HELP, second TYPE, TYPE after samples": [
        R("PUT", "/metrics/job/i", b"# HELP t a\n# HELP t b\nt 1\n"),
        R("PUT", "/metrics/job/i", b"# TYPE t gauge\n# TYPE t gauge\nt 1\n"),
        R("PUT", "/metrics/job/i", b"t 1\n# TYPE t gauge\n"),
        R("PUT", "/metrics/job/k", b"t 1\n# HELP t after\n"),
    ],
    "generic comments": [R("PUT", "/metrics/job/i", b"# FOO bar\n# EOF\n# UNIT x seconds\n# TYPE\n# HELP\nx 1\n")],
    "invalid metric and label names": [
        R("PUT", "/metrics/job/i", b"1x 1\n"),
        R("PUT", "/metrics/job/i", b"x-y 1\n"),
        R("PUT", "/metrics/job/i", b'x{1a="b"} 1\n'),
        R("PUT", "/metrics/job/i", b'x{a-b="c"} 1\n'),
        R("PUT", "/metrics/job/i", b"# HELP 1x h\n"),
        R("PUT", "/metrics/job/i", b"# TYPE x-y gauge\n"),
        R("PUT", "/metrics/job/l", b":lead:ing 1\n"),
    ],
    "__name__ and other reserved labels": [
        R("PUT", "/metrics/job/i", b'x{__name__="x"} 1\n'),
        R("PUT", "/metrics/job/p", b'x{__x="1"} 1\n'),
    ],
    "duplicate label names": [R("PUT", "/metrics/job/i", b'x{a="b",a="c"} 1\n')],
    "values Go accepts": [
        R(
            "PUT",
            "/metrics/job/m",
            b"w NaN\nw2 nan\nw3 Inf\nw4 +inf\nw5 -Infinity\nw6 infinity\nw7 iNf\nw8 .5\nw9 5.\nw10 +5\nw11 -0\nw12 1E3\nw13 007\nw14 1e-400\n",
        )
    ],
    "values Go refuses": [
        R("PUT", "/metrics/job/m", b"x 0x10\n"),
        R("PUT", "/metrics/job/m", b"x 0x1p-2\n"),
        R("PUT", "/metrics/job/m", b"x 1_000\n"),
        R("PUT", "/metrics/job/m", b"x 1e400\n"),
        R("PUT", "/metrics/job/m", b"x \n"),
        R("PUT", "/metrics/job/m", b"x 1,5\n"),
        R("PUT", "/metrics/job/m", b"x +nan\n"),
        R("PUT", "/metrics/job/m", b"x infin\n"),
        R("PUT", "/metrics/job/m", b"x\n"),
    ],
    "float formatting": [
        R(
            "PUT",
            "/metrics/job/m",
            b"a 123456\nb 1234567\nc 1e21\nd 0.0001\ne 0.00001\nf 1.5e300\ng 12345678901234567890\nh 5e-324\ni 0.1\nj -1\nk 1\nl 100000\nm 1e6\nn 3.14159\n",
        )
    ],
    "timestamps are parsed, then refused by the store": [
        R("PUT", "/metrics/job/t", b"x 1 123\n"),
        R("PUT", "/metrics/job/t", b"x 1 -5\n"),
        R("PUT", "/metrics/job/u", b"x 1 0\n"),
    ],
    "timestamp syntax errors": [
        R("PUT", "/metrics/job/t", b"x 1 1e3\n"),
        R("PUT", "/metrics/job/t", b"x 1 12345678901234567890\n"),
        R("PUT", "/metrics/job/t", b"x 1 123 4\n"),
    ],
    "invalid UTF-8 in label value": [R("PUT", "/metrics/job/n", b'x{a="\xff"} 1\n')],
    "invalid UTF-8 in HELP is kept": [R("PUT", "/metrics/job/o", b"# HELP hh \xff\xfe ok\nhh 1\n")],
    "HELP or TYPE without samples is dropped": [
        R("PUT", "/metrics/job/o", b"# HELP lonely h\n# TYPE alone gauge\nx 1\n")
    ],
    "interleaved families": [R("PUT", "/metrics/job/o", b'a{x="1"} 1\nb 2\na{x="2"} 3\n')],
    "untyped _bucket/_sum/_count are separate": [R("PUT", "/metrics/job/o", b"q_bucket 1\nq_sum 2\nq_count 3\n")],
    "histogram": [
        R(
            "PUT",
            "/metrics/job/a",
            b'# TYPE h histogram\nh_bucket{le="1.0"} 1\nh_bucket{le="2"} 2\nh_sum 3\nh_count 4\n',
        )
    ],
    "histogram quirks": [
        R(
            "PUT",
            "/metrics/job/b",
            b'# TYPE h2 histogram\nh2 1\nh2_bucket 5\nh2_bucket{le="+Inf"} 3\nh2_bucket{le="1"} 5\nh2_bucket{le="1"} 6\n',
        )
    ],
    "histogram le must be a float": [R("PUT", "/metrics/job/b", b'# TYPE h histogram\nh_bucket{le="x"} 1\n')],
    "histogram with labels and interleaving": [
        R(
            "PUT",
            "/metrics/job/c",
            b'# TYPE h histogram\nh_bucket{a="1",le="1"} 1\nh_bucket{a="2",le="1"} 2\nh_sum{a="1"} 1\nh_count{a="2"} 2\nh_count{a="1"} 1\n',
        )
    ],
    "summary": [
        R("PUT", "/metrics/job/a", b'# TYPE s summary\ns{quantile="0.5"} 1\ns{quantile="0.9"} 2\ns_sum 2\ns_count 3\n')
    ],
    "summary with only _sum gets _count 0": [R("PUT", "/metrics/job/a", b"# TYPE s3 summary\ns3_sum 7\n")],
    "summary quantile must be a float": [R("PUT", "/metrics/job/a", b'# TYPE s summary\ns{quantile="q"} 1\n')],
    "summary samples before TYPE are untyped": [R("PUT", "/metrics/job/a", b"s2_sum 1\n# TYPE s2 summary\n")],
    # Histogram counts are not here: ours reads them as 1.11.3 does, not as both binaries (test_deliberate*).
    "negative and fractional summary counts": [
        R("PUT", "/metrics/job/a", b"# TYPE s summary\ns_count -1\ns_sum 1\n# TYPE s2 summary\ns2_count 2.9\n")
    ],
    "huge and NaN counts": [
        R(
            "PUT",
            "/metrics/job/a",
            b"# TYPE s2 summary\ns2_count NaN\n# TYPE s3 summary\ns3_count +Inf\n# TYPE s4 summary\ns4_count 1e20\n",
        )
    ],
    "negative counters and untyped names are fine": [R("PUT", "/metrics/job/a", b"# TYPE c counter\nc -5\n")],
    "only comments": [R("PUT", "/metrics/job/a", b"# just a comment\n"), R("POST", "/metrics/job/b", b"\n\n")],
    "empty body": [R("PUT", "/metrics/job/a", b""), R("POST", "/metrics/job/b", b"")],
    "error line numbers": [
        R("PUT", "/metrics/job/a", b"a 1\nb 2\n\n# c\nc{ 3\n"),
        R("PUT", "/metrics/job/a", b"a 1\nb 2\nc 3"),
    ],
}

PROTOBUF: dict[str, list[R]] = {
    "counter and gauge": [
        R(
            "PUT",
            "/metrics/job/a",
            _pb(
                family("c", "COUNTER", "help c", [{"labels": {"x": "1"}, "counter": 2.5}]),
                family("g", "GAUGE", None, [{"gauge": -0.0}]),
            ),
            PB,
        )
    ],
    "no type means COUNTER": [
        R("PUT", "/metrics/job/a", _pb(family("c", None, None, [{"untyped": 1}])), PB),
        R("PUT", "/metrics/job/b", _pb(family("d", None, None, [{"counter": 1}])), PB),
    ],
    "duplicate family: last wins": [
        R(
            "PUT",
            "/metrics/job/a",
            _pb(family("c", "GAUGE", None, [{"gauge": 1}]), family("c", "GAUGE", None, [{"gauge": 2}])),
            PB,
        )
    ],
    "truncated and malformed": [
        R("PUT", "/metrics/job/a", _pb(family("c", "GAUGE", None, [{"gauge": 1}]))[:-3], PB),
        R("PUT", "/metrics/job/b", b"\xff\xff\xff\xff\xff\xff", PB),
        R("PUT", "/metrics/job/c", b"", PB),
        R("PUT", "/metrics/job/d", b"\x80", PB),
        R("PUT", "/metrics/job/e", b"\x05", PB),
    ],
    "family without metrics": [R("PUT", "/metrics/job/a", _pb(family("c", "GAUGE", "h", [])), PB)],
    "invalid label name and non-UTF-8 value": [
        # `__bad`, not `bad-label`: since 1.11.2 any non-empty UTF-8 label name not starting with `__` passes.
        R("PUT", "/metrics/job/a", _pb(family("c", "GAUGE", None, [{"labels": {"__bad": "1"}, "gauge": 1}])), PB),
        R(
            "PUT",
            "/metrics/job/b",
            _pb(family("c", "GAUGE", None, [{"labels": {"l": "ok"}, "gauge": 1}])).replace(b"ok", b"\xff\xfe"),
            PB,
        ),
    ],
    "summary and histogram": [
        R(
            "PUT",
            "/metrics/job/a",
            _pb(
                family(
                    "s", "SUMMARY", "x", [{"summary": {"count": 3, "sum": 1.5, "quantiles": [(0.5, 1.0), (0.9, 2.0)]}}]
                ),
                family(
                    "h", "HISTOGRAM", None, [{"histogram": {"count": 5, "sum": 2.0, "buckets": [(1.0, 2), (2.0, 5)]}}]
                ),
                family(
                    "h2",
                    "HISTOGRAM",
                    None,
                    [{"histogram": {"count": 5, "sum": 2.0, "buckets": [(1.0, 2), (float("inf"), 5)]}}],
                ),
            ),
            PB,
        )
    ],
    "explicit empty HELP": [R("PUT", "/metrics/job/a", _pb(family("c", "GAUGE", "", [{"gauge": 1}])), PB)],
    "content-type names are case-insensitive, values are not": [
        R(
            "PUT",
            "/metrics/job/a",
            _pb(family("c", "GAUGE", None, [{"gauge": 1}])),
            {
                "Content-Type": "Application/Vnd.Google.Protobuf; Proto=io.prometheus.client.MetricFamily; Encoding=delimited"
            },
        ),
        R(
            "PUT",
            "/metrics/job/b",
            _pb(family("c", "GAUGE", None, [{"gauge": 1}])),
            {
                "Content-Type": "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=DELIMITED"
            },
        ),
        R(
            "PUT",
            "/metrics/job/c",
            b"x 1\n",
            {"Content-Type": "application/vnd.google.protobuf; proto=other; encoding=delimited"},
        ),
        R("PUT", "/metrics/job/d", b"x 1\n", {"Content-Type": "application/json"}),
        R("PUT", "/metrics/job/e", b"x 1\n", {"Content-Type": "garbage;;=="}),
    ],
    "timestamps refused": [
        R("PUT", "/metrics/job/a", _pb(family("c", "GAUGE", None, [{"gauge": 1, "timestamp_ms": 5}])), PB)
    ],
    "summary with quantile label": [
        R(
            "PUT",
            "/metrics/job/a",
            _pb(family("s", "SUMMARY", None, [{"labels": {"quantile": "0.5"}, "summary": {"count": 1}}])),
            PB,
        )
    ],
    "wrong value field for the type": [
        R("PUT", "/metrics/job/a", _pb(family("g", "GAUGE", None, [{"counter": 1}])), PB)
    ],
    "duplicate label in protobuf": [
        R(
            "PUT",
            "/metrics/job/a",
            _pb(family("g", "GAUGE", None, [{"labels": {"a": "1"}, "gauge": 1}])).replace(b"", b""),
            PB,
        )
    ],
    "protobuf grouping labels override body": [
        R(
            "PUT",
            "/metrics/job/a/instance/i",
            _pb(family("g", "GAUGE", None, [{"labels": {"job": "x", "instance": "y", "z": "1"}, "gauge": 1}])),
            PB,
        )
    ],
}

STORE: dict[str, list[R]] = {
    "PUT replaces, POST merges": [
        R("PUT", "/metrics/job/a", b"x 1\ny 2\n"),
        R("POST", "/metrics/job/a", b"y 3\nz 4\n"),
        R("PUT", "/metrics/job/a", b"w 5\n"),
    ],
    "empty PUT keeps the group": [R("PUT", "/metrics/job/b", b"x 5\n"), R("PUT", "/metrics/job/b", b"")],
    "POST of nothing only bumps the time": [R("PUT", "/metrics/job/b", b"x 5\n"), R("POST", "/metrics/job/b", b"")],
    "delete exactly one group": [
        R("PUT", "/metrics/job/a", b"x 1\n"),
        R("PUT", "/metrics/job/a/instance/x", b"y 1\n"),
        R("DELETE", "/metrics/job/a"),
        R("DELETE", "/metrics/job/zzz"),
    ],
    "delete ignores the body": [R("PUT", "/metrics/job/a", b"x 1\n"), R("DELETE", "/metrics/job/a", b"garbage")],
    "delete then push keeps order": [
        R("PUT", "/metrics/job/a", b"x 1\n"),
        R("DELETE", "/metrics/job/a"),
        R("PUT", "/metrics/job/a", b"y 2\n"),
    ],
    "type conflict across groups records a failure": [
        R("PUT", "/metrics/job/a", b"# TYPE c counter\nc 1\n"),
        R("PUT", "/metrics/job/b", b"# TYPE c gauge\nc 1\n"),
    ],
    "untyped vs counter conflict": [
        R("PUT", "/metrics/job/a", b"# TYPE c counter\nc 1\n"),
        R("PUT", "/metrics/job/b", b"c 1\n"),
    ],
    "type change within a group is allowed": [
        R("PUT", "/metrics/job/a", b"# TYPE c counter\nc 1\n"),
        R("POST", "/metrics/job/a", b"# TYPE c gauge\nc 2\n"),
        R("PUT", "/metrics/job/a", b"c 3\n"),
    ],
    "type change blocked by another group": [
        R("PUT", "/metrics/job/a", b"# TYPE c counter\nc 1\n"),
        R("PUT", "/metrics/job/b", b"# TYPE c counter\nc 1\n"),
        R("POST", "/metrics/job/a", b"# TYPE c gauge\nc 2\n"),
    ],
    "type conflict resolved by delete": [
        R("PUT", "/metrics/job/a", b"# TYPE c counter\nc 1\n"),
        R("PUT", "/metrics/job/b", b"# TYPE c gauge\nc 1\n"),
        R("DELETE", "/metrics/job/a"),
        R("PUT", "/metrics/job/b", b"# TYPE c gauge\nc 1\n"),
    ],
    "duplicate series in one push": [R("PUT", "/metrics/job/d", b'x{a="1"} 1\nx{a="1"} 2\n')],
    "series collapse onto a grouping label": [R("PUT", "/metrics/job/e/a/1", b'x{a="2"} 1\nx{a="3"} 2\n')],
    "failure on an existing group keeps its data": [
        R("PUT", "/metrics/job/a", b"x 1\n"),
        R("PUT", "/metrics/job/a", b"x 1 5\n"),
        R("POST", "/metrics/job/a", b"y 2\n"),
    ],
    "failure creates a failure-only group": [
        R("PUT", "/metrics/job/a", b"# TYPE c counter\nc 1\n"),
        R("PUT", "/metrics/job/new", b"c 1\n"),
    ],
    "pushed push_time_seconds is replaced": [R("PUT", "/metrics/job/c", b"push_time_seconds 5\n")],
    "pushed push_failure_time_seconds on first and later writes": [
        R("PUT", "/metrics/job/b", b"push_failure_time_seconds 5\n"),
        R("POST", "/metrics/job/b", b"push_failure_time_seconds 6\n"),
    ],
    "pushed failure time with other type later": [
        R("PUT", "/metrics/job/b", b"x 1\n"),
        R("POST", "/metrics/job/b", b"# TYPE push_failure_time_seconds counter\npush_failure_time_seconds 6\n"),
    ],
    "last_push_successful after failure then success": [
        R("PUT", "/metrics/job/a", b"x 1\n"),
        R("PUT", "/metrics/job/a", b"x 1 5\n"),
        R("PUT", "/metrics/job/a", b"x 2\n"),
    ],
    "help conflicts are accepted": [
        R("PUT", "/metrics/job/a", b"# HELP c one\nc 1\n"),
        R("PUT", "/metrics/job/b", b"# HELP c two\nc 1\n"),
        R("PUT", "/metrics/job/c", b"c 1\n"),
    ],
    "same help everywhere is kept": [
        R("PUT", "/metrics/job/a", b"# HELP c same\nc 1\n"),
        R("PUT", "/metrics/job/b", b"# HELP c same\nc 2\n"),
    ],
    "instance from the body survives": [R("PUT", "/metrics/job/a", b'x{instance="i1"} 1\nx{instance="i2"} 2\n')],
    "grouping labels override body labels": [
        R("PUT", "/metrics/job/b/instance/z", b'y{instance="i1"} 1\n'),
        R("PUT", "/metrics/job/c", b'w{job="other"} 1\n'),
    ],
    "grouping key with and without instance are different groups": [
        R("PUT", "/metrics/job/a/instance/x", b"x 1\n"),
        R("PUT", "/metrics/job/a", b"y 1\n"),
    ],
    "summary suffix collisions": [
        R("PUT", "/metrics/job/a", b"# TYPE s summary\ns_sum 1\n"),
        R("PUT", "/metrics/job/b", b"s_count 1\n"),
        R("PUT", "/metrics/job/c", b"s_bucket 1\n"),
        R("PUT", "/metrics/job/c2", b"s_sum 1\n"),
    ],
    "histogram suffix collisions": [
        R("PUT", "/metrics/job/d", b"hh_bucket 1\n"),
        R("PUT", "/metrics/job/e", b"# TYPE hh histogram\nhh_sum 1\n"),
        R("PUT", "/metrics/job/f", b"hh_count 1\n"),
    ],
    "suffix collision within one push": [
        R("PUT", "/metrics/job/a", b"# TYPE s summary\ns_sum 1\ns_count 1\nq_count 1\n# TYPE q histogram\n")
    ],
    "quantile grouping label on a summary": [
        R("PUT", "/metrics/job/a/quantile/x", b"# TYPE s summary\ns_sum 1\n"),
        R("PUT", "/metrics/job/b/quantile/y", b"g 1\n"),
    ],
    "__ label names in the body fail the check": [
        R("PUT", "/metrics/job/p", b'x{__x="1"} 1\n'),
        R("PUT", "/metrics/job/p", b"y 1\n"),
    ],
    "series order across groups": [
        R("PUT", "/metrics/job/a", b'm{b="1",c="z"} 1\nm{a="2"} 2\nm{a="0",b="0",c="0"} 3\nm 4\n'),
        R("PUT", "/metrics/job/b/x/q", b'm{a="1"} 1\n'),
        R("PUT", "/metrics/job/0", b"m 1\n"),
    ],
    "family order is bytewise": [R("PUT", "/metrics/job/a", b"b 1\nB 2\n_a 3\n:c 4\na_b 5\naB 6\n")],
    "many groups sharing names": [
        R(
            "PUT",
            f"/metrics/job/j{i}/instance/i{i % 3}",
            f'# TYPE up gauge\nup {i}\nreq_total{{code="{i % 2}"}} {i}\n'.encode(),
        )
        for i in range(12)
    ],
    "wipe": [
        R("PUT", "/metrics/job/a", b"x 1\n"),
        R("PUT", "/metrics/job/b", b"x 2\n"),
        R("PUT", "/api/v1/admin/wipe"),
        R("PUT", "/metrics/job/c", b"y 1\n"),
    ],
    "wipe empty store": [R("PUT", "/api/v1/admin/wipe")],
    "gzip request bodies": [
        R("PUT", "/metrics/job/a", _gz(b"x 1\n"), GZ),
        R("PUT", "/metrics/job/b", b"notgzip", GZ),
        R("PUT", "/metrics/job/b2", b"", GZ),
        R("PUT", "/metrics/job/b3", _gz(b"x 1\n")[:12], GZ),
    ],
    "gzip on delete is still checked": [
        R("PUT", "/metrics/job/a", b"x 1\n"),
        R("DELETE", "/metrics/job/a", b"", GZ),
        R("DELETE", "/metrics/job/a", _gz(b"ignored"), GZ),
    ],
    "other encodings are ignored": [
        R("PUT", "/metrics/job/c", b"x 1\n", {"Content-Encoding": "identity"}),
        R("PUT", "/metrics/job/d", b"x 1\n", {"Content-Encoding": "br"}),
    ],
    "gzip protobuf": [R("PUT", "/metrics/job/a", _gz(_pb(family("c", "GAUGE", None, [{"gauge": 1}]))), {**GZ, **PB})],
    "multi-member gzip": [R("PUT", "/metrics/job/a", _gz(b"x 1\n") + _gz(b"y 2\n"), GZ)],
}


_CLIENT_DATA = [
    R(
        "PUT",
        "/metrics/job/a",
        b'# HELP c Requests, with "quotes", a \\\\ and a\\nnewline.\n# TYPE c counter\nc{code="200"} 5\nc{code="500"} 1\n'
        b'# TYPE s summary\ns{quantile="0.5"} 1\ns_sum 2.5\ns_count 3\n'
        b'# TYPE h histogram\nh_bucket{le="0.5"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1.5\nh_count 2\n'
        b'u{v="x\\"y"} NaN\n',
    ),
    R("PUT", "/metrics/job/b/instance/i", b"# TYPE g gauge\ng -Inf\nu 1e-7\n"),
]
_PROTO = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily"
_IDENTITY = {"Accept-Encoding": "identity"}


def _scrape(accept: str, encoding: str = "identity") -> R:
    return R("GET", "/metrics", headers={"Accept": accept, "Accept-Encoding": encoding})


SCRAPE: dict[str, list[R]] = {
    "no Accept header gets text": [*_CLIENT_DATA, _scrape(""), R("GET", "/metrics", headers=_IDENTITY)],
    "text/plain with and without a version": [
        *_CLIENT_DATA,
        _scrape("text/plain"),
        _scrape("text/plain; version=0.0.4"),
        _scrape("text/plain;version=0.0.5"),
        _scrape("text/plain; charset=utf-8"),
    ],
    "OpenMetrics is not offered": [
        *_CLIENT_DATA,
        _scrape("application/openmetrics-text; version=1.0.0"),
        _scrape(
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
            "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
        ),
    ],
    "protobuf delimited": [*_CLIENT_DATA, _scrape(f"{_PROTO}; encoding=delimited")],
    "protobuf text": [*_CLIENT_DATA, _scrape(f"{_PROTO}; encoding=text")],
    "protobuf compact-text": [*_CLIENT_DATA, _scrape(f"{_PROTO}; encoding=compact-text")],
    "protobuf without proto or encoding falls back to text": [
        *_CLIENT_DATA,
        _scrape("application/vnd.google.protobuf"),
        _scrape(_PROTO),
        _scrape("application/vnd.google.protobuf; proto=other.Message; encoding=delimited"),
        _scrape(f"{_PROTO}; encoding=json"),
    ],
    "protobuf parameters are case-sensitive": [
        *_CLIENT_DATA,
        _scrape(f"{_PROTO}; encoding=DELIMITED"),
        _scrape("Application/Vnd.Google.Protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"),
        _scrape("application/vnd.google.protobuf; Proto=io.prometheus.client.MetricFamily; Encoding=delimited"),
    ],
    "q-values pick the format": [
        *_CLIENT_DATA,
        _scrape(f"text/plain;q=0.2, {_PROTO};encoding=delimited;q=0.8"),
        _scrape(f"{_PROTO};encoding=delimited;q=0.2, text/plain;q=0.8"),
        _scrape(f"{_PROTO};encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.1"),
        _scrape(f"*/*;q=0.9, {_PROTO};encoding=compact-text;q=0.5"),
        _scrape(f"text/plain;q=0, {_PROTO};encoding=text;q=0.1"),
        _scrape(f"{_PROTO};encoding=text;q=abc, text/plain;q=0.5"),
    ],
    "equal q-values keep the header's order": [
        *_CLIENT_DATA,
        _scrape(f"text/plain, {_PROTO}; encoding=delimited"),
        _scrape(f"{_PROTO}; encoding=delimited, text/plain"),
        _scrape(f"text/plain ; q=0.1 , {_PROTO}; encoding=compact-text ;q=0.2"),
    ],
    "wildcards and nonsense get text": [
        *_CLIENT_DATA,
        _scrape("*/*"),
        _scrape("application/*"),
        _scrape("*"),
        _scrape("xyz"),
        _scrape(";;;,,,"),
        _scrape("application/json"),
    ],
    "gzip on request": [
        *_CLIENT_DATA,
        _scrape("", "gzip"),
        _scrape("", "deflate, gzip"),
        _scrape("", "gzip;q=1.0, identity; q=0.5"),
        _scrape(f"{_PROTO}; encoding=delimited", "gzip"),
        _scrape(f"{_PROTO}; encoding=text", "gzip"),
    ],
    "scrape of an empty store": [_scrape(""), _scrape(f"{_PROTO}; encoding=delimited", "gzip")],
    "scrape after a delete and a failed push": [
        *_CLIENT_DATA,
        R("DELETE", "/metrics/job/b/instance/i"),
        R("PUT", "/metrics/job/a", b"x 1 5\n"),
        _scrape(f"{_PROTO}; encoding=compact-text"),
        _scrape(""),
    ],
}


ALL: dict[str, list[R]] = {}
for group_name, table in (
    ("routing", ROUTING),
    ("grammar", GRAMMAR),
    ("body", BODIES),
    ("protobuf", PROTOBUF),
    ("store", STORE),
    ("scrape", SCRAPE),
):
    for case_name, requests in table.items():
        ALL[f"{group_name}: {case_name}"] = requests
