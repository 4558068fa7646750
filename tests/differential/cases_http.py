"""HTTP-edge cases of Pushgateway 1.11: snappy and case-insensitive gzip request bodies, Accept-Encoding by q-values, the 1.7 route-prefix rule.

Reference: `shared/reference/upstream-1.11-delta.md` §3 (request bodies), §4.3 (response
compression), §9 (route prefix); what the 1.11.0 binary does is in the probe notes. Cases where
1.5.1 answered otherwise apply to 1.11.0 only (test_deliberate shows 1.5.1's answers); zstd, which
1.11.0 offers and 1.11.1+ does not, is compared with 1.5.1 only (test_deliberate shows 1.11.0's).
"""

from __future__ import annotations

import gzip

from tests.support import snappy_frames as sn
from tests.support.diff import BOTH, ONLY_1_5, ONLY_1_11, Case
from tests.support.diff import Req as R
from tests.support.metrics_pb import PROTO_CT, delimited, family

GROUP = "http"
SNAPPY = {"Content-Encoding": "snappy"}
PB = {"Content-Type": PROTO_CT}
_FAMILY = delimited(family("pbsn", "GAUGE", "via snappy", [{"labels": {"k": "v"}, "gauge": 2.5}]))
_BAD_CRC = sn.chunk(0x01, b"\x00\x00\x00\x00" + b"x 1\n")
_DATA = [
    R("PUT", "/metrics/job/a", b'# HELP c Requests.\n# TYPE c counter\nc{code="200"} 5\nc{code="500"} 1\n'),
    R("PUT", "/metrics/job/b/instance/i", b"# TYPE g gauge\ng -1\nu 1e-7\n"),
]


def _scrape(encoding: str, accept: str = "") -> R:
    return R("GET", "/metrics", headers={"Accept": accept, "Accept-Encoding": encoding})


def _snappy(path: str, body: bytes, **headers: str) -> R:
    return R("PUT", path, body, {**SNAPPY, **headers})


CASES: dict[str, Case] = {
    "snappy framed bodies are decoded": Case(
        [
            _snappy("/metrics/job/a", sn.framed(b"sn 1\n")),
            _snappy(
                "/metrics/job/b",
                sn.frame(sn.uncompressed(b"# HELP sn2 "), sn.compressed(b"ab", 200), sn.uncompressed(b"\nsn2 2\n")),
            ),
            R("PUT", "/metrics/job/c", sn.framed(b"sn 3\n"), {"Content-Encoding": "SNAPPY"}),
            R("PUT", "/metrics/job/d", sn.framed(_FAMILY), {"Content-Encoding": "Snappy", **PB}),
            R("POST", "/metrics/job/e", sn.framed(b"# HELP sn h\nsn") + sn.framed(b" 4\n"), SNAPPY),
            _snappy(
                "/metrics/job/f",
                sn.frame(
                    sn.chunk(0xFE, b"\x00" * 9),
                    sn.uncompressed(b"sn 5"),
                    sn.chunk(0x80, b"skip"),
                    sn.uncompressed(b"\n"),
                ),
            ),
            _snappy("/metrics/job/g", sn.STREAM_IDENTIFIER),
            _snappy(
                "/metrics/job/h",
                sn.frame(
                    sn.compressed(b"# HELP big " + b"x" * 40, 1),
                    sn.compressed(b"y", 60000),
                    sn.uncompressed(b"\nbig 1\n"),
                ),
            ),
        ],
        versions=ONLY_1_11,
    ),
    "snappy errors": Case(
        [
            _snappy("/metrics/job/raw", bytes.fromhex("05107820310a")),  # a raw block, not a frame
            _snappy("/metrics/job/crc", sn.frame(_BAD_CRC)),
            _snappy("/metrics/job/cut", sn.framed(b"x 1\n")[:-2]),
            _snappy("/metrics/job/header", sn.STREAM_IDENTIFIER + b"\x01\x05"),
            _snappy("/metrics/job/reserved", sn.frame(sn.chunk(0x02, b"x 1\n"))),
            _snappy("/metrics/job/long", sn.STREAM_IDENTIFIER + b"\x00" + (76495).to_bytes(3, "little") + b"\x00" * 8),
            _snappy("/metrics/job/big", sn.STREAM_IDENTIFIER + b"\x01" + (65541).to_bytes(3, "little") + b"\x00" * 8),
            _snappy("/metrics/job/varint", sn.frame(sn.chunk(0x00, b"\x00\x00\x00\x00" + b"\xf0\xa2\x04" + b"\x00"))),
            _snappy("/metrics/job/first", sn.uncompressed(b"x 1\n")),
            _snappy("/metrics/job/magic", b"\xff\x06\x00\x00sNaPpX" + sn.uncompressed(b"x 1\n")),
            _snappy("/metrics/job/short-id", b"\xff\x05\x00\x00sNaPp"),
            R("PUT", "/metrics/job/pb", sn.frame(_BAD_CRC), {**SNAPPY, **PB}),
        ],
        versions=ONLY_1_11,
    ),
    "snappy errors come in stream order": Case(
        [
            _snappy("/metrics/job/a", sn.frame(sn.uncompressed(b"x 1\n1bad 2\n"), _BAD_CRC)),
            _snappy("/metrics/job/b", sn.frame(sn.uncompressed(b"x 1\ny"), _BAD_CRC)),
            _snappy("/metrics/job/c", sn.frame(sn.uncompressed(b"x 1\n"), _BAD_CRC)),
            _snappy("/metrics/job/d", sn.frame(sn.uncompressed(b"x 1\n"), sn.chunk(0x05, b""))),
            _snappy("/metrics/job/e", sn.frame(sn.uncompressed(b'x{a="1'), _BAD_CRC)),
            _snappy("/metrics/job/f", sn.frame(sn.uncompressed(b"# TYPE x nope\n"), _BAD_CRC)),
            R("PUT", "/metrics/job/g", sn.frame(sn.uncompressed(_FAMILY), _BAD_CRC), {**SNAPPY, **PB}),
            R("PUT", "/metrics/job/h", sn.frame(sn.uncompressed(_FAMILY[:5]), _BAD_CRC), {**SNAPPY, **PB}),
            R("PUT", "/metrics/job/i", sn.frame(sn.uncompressed(b"\xff\xff\xff"), _BAD_CRC), {**SNAPPY, **PB}),
        ],
        versions=ONLY_1_11,
    ),
    "snappy bodies are read lazily": Case(
        [
            R("GET", "/-/healthy", b"", SNAPPY),
            R("PUT", "/metrics/job/a", b"x 1\n"),
            R("DELETE", "/metrics/job/a", b"garbage", SNAPPY),
            R("PUT", "/metrics/job/b", b"", SNAPPY),
            R("GET", "/api/v1/status", b"", SNAPPY),
        ],
        versions=BOTH,
    ),
    "gzip content encoding is case-insensitive": Case(
        [
            R("PUT", "/metrics/job/a", gzip.compress(b"gz 1\n", mtime=0), {"Content-Encoding": "GZIP"}),
            R("PUT", "/metrics/job/b", gzip.compress(b"gz 2\n", mtime=0), {"Content-Encoding": "Gzip"}),
            R("GET", "/-/healthy", b"", {"Content-Encoding": "GZIP"}),
            R("DELETE", "/metrics/job/a", b"", {"Content-Encoding": "gZiP"}),
            R("PUT", "/metrics/job/c", b"gz 3\n", {"Content-Encoding": "x-gzip"}),
            R("PUT", "/metrics/job/d", b"gz 4\n", {"Content-Encoding": "gzip, identity"}),
        ],
        versions=ONLY_1_11,
    ),
    "Accept-Encoding that 1.5.1 and 1.11 answer alike": Case(
        [
            *_DATA,
            _scrape("gzip, deflate, br"),
            _scrape("br, gzip"),
            _scrape("gzip;q=0.5, *;q=0.1"),
            _scrape("identity;q=0.5, gzip;q=0.6"),
            _scrape("gzip;q=1.5"),
            _scrape("gzip;q=0.001"),
            _scrape("zstd, gzip"),
            _scrape("GZIP"),
            _scrape("x-gzip"),
            _scrape("gzipped"),
            _scrape("*"),
            _scrape("*;q=0"),
            _scrape(""),
        ],
        versions=BOTH,
    ),
    "Accept-Encoding by q-values": Case(
        [
            *_DATA,
            _scrape("gzip;q=0"),
            _scrape("gzip, identity"),
            _scrape("identity, gzip"),
            _scrape("identity,gzip"),
            _scrape("identity;q=0, gzip;q=0"),
            _scrape("gzip;level=9"),
            _scrape("gzip;level=9, gzip"),
            _scrape("gzip;q=abc"),
            _scrape("gzip ; q=0.5"),
            _scrape("gzip ;q=1"),
            _scrape(", gzip"),
            _scrape(
                "gzip, identity",
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
            ),
        ],
        versions=ONLY_1_11,
    ),
    # 1.11.0 answers these with Content-Encoding: zstd; 1.11.1+, 1.5.1 and ours do not offer it (test_deliberate).
    "zstd is not offered": Case(
        [*_DATA, _scrape("zstd"), _scrape("br, zstd"), _scrape("zstd;q=1, gzip;q=0.5")], versions=ONLY_1_5
    ),
    "route prefix with a doubled leading slash": Case(
        [
            R("GET", "/-/ready"),
            R("GET", "/pfx/-/ready"),
            R("GET", "//pfx/-/ready"),
            R("GET", "/pfx/metrics"),
            R("GET", "/metrics"),
            R("PUT", "/pfx/metrics/job/a", b"x 1\n"),
            R("GET", "/pfx/"),
            R("GET", "/pfx"),
            R("GET", "/pfx/api/v1/status"),
            R("GET", "/api/v1/status"),
        ],
        go_args=("--web.route-prefix=//pfx",),
        config={"route_prefix": "//pfx"},
        state=False,
        versions=ONLY_1_11,
    ),
    "route prefix with a doubled trailing slash": Case(
        [
            R("GET", "/pfx/-/ready"),
            R("GET", "/pfx//-/ready"),
            R("GET", "/pfx/metrics"),
            R("PUT", "/pfx/metrics/job/a", b"x 1\n"),
            R("GET", "/pfx/"),
            R("GET", "/pfx"),
            R("GET", "/pfx/status"),
            R("GET", "/pfx/api/v1/status"),
        ],
        go_args=("--web.route-prefix=/pfx//",),
        config={"route_prefix": "/pfx//"},
        state=False,
        versions=ONLY_1_11,
    ),
    "external url with a doubled trailing slash": Case(
        [R("GET", "/ext/-/ready"), R("GET", "/ext/metrics"), R("GET", "/ext/api/v1/status")],
        go_args=("--web.external-url=http://h/ext//",),
        config={"external_url": "http://h/ext//"},
        state=False,
        versions=ONLY_1_11,
    ),
    "route prefix forms that 1.5.1 and 1.11 read alike": Case(
        [R("GET", "/a/b/-/ready"), R("PUT", "/a/b/metrics/job/x", b"x 1\n"), R("GET", "/a/b/api/v1/status")],
        go_args=("--web.route-prefix=a/b/",),
        config={"route_prefix": "a/b/"},
        prefix="/a/b",
        versions=BOTH,
    ),
}
