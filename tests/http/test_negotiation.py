"""Scrape negotiation on its own: the format and escaping expfmt.Negotiate (goautoneg) picks, and promhttp's content coding.

Format expectations are the Go 1.5.1 binary's answers (tests/golden/1.5.1/scrape.json) unless
marked; the escaping table is the 1.11.0 binary's (/work/notes/probe-1.11.md §3.3, and the
differential cases in tests/differential/cases_utf8.py); content codings are the Go 1.11.0
binary's (measured with curl), zstd aside.
"""

from __future__ import annotations

import pytest

from bridge.gateway.web.negotiation import Format, negotiate, response_encoding
from bridge.protocol.names import Escaping

P = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily"
DELIM, PTEXT, COMPACT, TEXT = Format.PROTO_DELIM, Format.PROTO_TEXT, Format.PROTO_COMPACT, Format.TEXT

NEGOTIATE_TABLE = [
    ("", TEXT),
    ("text/plain", TEXT),
    ("text/plain; version=0.0.4", TEXT),
    ("text/plain;version=0.0.5", TEXT),
    ("text/plain; charset=utf-8", TEXT),
    ("application/openmetrics-text; version=1.0.0", TEXT),
    (f"{P}; encoding=delimited", DELIM),
    (f"{P}; encoding=text", PTEXT),
    (f"{P}; encoding=compact-text", COMPACT),
    # Protobuf needs both parameters, spelled exactly.
    ("application/vnd.google.protobuf", TEXT),
    (P, TEXT),
    ("application/vnd.google.protobuf; proto=other.Message; encoding=delimited", TEXT),
    (f"{P}; encoding=json", TEXT),
    (f"{P}; encoding=DELIMITED", TEXT),
    ("Application/Vnd.Google.Protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited", TEXT),
    ("application/vnd.google.protobuf; Proto=io.prometheus.client.MetricFamily; Encoding=delimited", TEXT),
    # Highest q first; a q that does not parse is 0; equal q keeps the header's order.
    (f"text/plain;q=0.2, {P};encoding=delimited;q=0.8", DELIM),
    (f"{P};encoding=delimited;q=0.2, text/plain;q=0.8", TEXT),
    (f"{P};encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.1", DELIM),
    (f"*/*;q=0.9, {P};encoding=compact-text;q=0.5", COMPACT),
    (f"text/plain;q=0, {P};encoding=text;q=0.1", PTEXT),
    (f"{P};encoding=text;q=abc, text/plain;q=0.5", TEXT),
    (f"text/plain, {P}; encoding=delimited", TEXT),
    (f"{P}; encoding=delimited, text/plain", DELIM),
    (f"text/plain ; q=0.1 , {P}; encoding=compact-text ;q=0.2", COMPACT),
    # Wildcards never select protobuf; nonsense falls back to text.
    ("*/*", TEXT),
    ("application/*", TEXT),
    ("*", TEXT),
    ("xyz", TEXT),
    (";;;,,,", TEXT),
    ("application/json", TEXT),
    # goautoneg reads q with strconv.ParseFloat(value, 32): no leading blank, hex floats, float32.
    (f"text/plain;q= 0.9, {P};encoding=delimited;q=0.5", DELIM),
    (f"{P};encoding=delimited;q=0x1p-1, text/plain;q=0.4", DELIM),
    (f"text/plain;q=0.5, {P};encoding=delimited;q=0.50000001", TEXT),
    # munnerz/goautoneg (1.11) drops a parameter with two `=` (1.5.1's read `proto=a=b` as "a=b");
    # a `type/` without subtype is no entry.
    (f"{P};encoding=delimited;proto=a=b, text/plain;q=0.1", DELIM),
    (f"text/;q=0.9, {P};encoding=compact-text;q=0.5", COMPACT),
]


@pytest.mark.parametrize(("accept", "expected"), NEGOTIATE_TABLE)
def test_negotiate(accept: str, expected: Format) -> None:
    assert negotiate(accept).format is expected


U, DOTS, VALUES, UTF8 = Escaping.UNDERSCORES, Escaping.DOTS, Escaping.VALUES, Escaping.ALLOW_UTF8
ESCAPING_TABLE = [
    ("", TEXT, U),
    ("*/*", TEXT, U),
    ("text/plain;version=1.0.0", TEXT, U),
    ("application/openmetrics-text;version=1.0.0", TEXT, U),
    (f"{P};encoding=delimited", DELIM, U),
    ("text/plain;version=0.0.4;escaping=allow-utf-8", TEXT, UTF8),
    ("text/plain;escaping=dots", TEXT, DOTS),
    ("text/plain;escaping=values", TEXT, VALUES),
    ("text/plain;escaping=underscores", TEXT, U),
    ("text/plain;escaping=bogus", TEXT, U),
    ("text/plain;escaping=ALLOW-UTF-8", TEXT, U),  # values are case-sensitive
    ("text/plain;Escaping=dots", TEXT, U),  # and so are parameter names
    # The escaping of an earlier entry that did not pick the format still counts ...
    ("application/openmetrics-text;escaping=allow-utf-8;q=0.5,text/plain;q=0.4", TEXT, UTF8),
    ("text/plain;q=0.4,application/openmetrics-text;escaping=allow-utf-8;q=0.5", TEXT, UTF8),
    # ... but entries after the one that picked it are never read.
    (f"text/plain;escaping=dots,{P};encoding=delimited;escaping=values", TEXT, DOTS),
    (f"{P};encoding=delimited;escaping=allow-utf-8", DELIM, UTF8),
    (f"{P};encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3", DELIM, U),
    ("text/plain;a=b=c;escaping=dots", TEXT, DOTS),
    # Less is not a strict order: text/plain (q=0.5) is moved before */* (q=0.9), whose escaping is never read.
    ("*/*;q=0.9;escaping=dots, text/plain;q=0.5", TEXT, U),
    ("text/plain;q=0.5, */*;q=0.9;escaping=dots", TEXT, DOTS),
]


@pytest.mark.parametrize(("accept", "expected", "escaping"), ESCAPING_TABLE)
def test_negotiate_escaping(accept: str, expected: Format, escaping: Escaping) -> None:
    negotiated = negotiate(accept)
    assert (negotiated.format, negotiated.escaping) == (expected, escaping)
    assert negotiated.content_type == f"{expected.value}; escaping={escaping.value}"


def test_each_format_names_the_content_type_go_answers_with() -> None:
    assert TEXT.value == "text/plain; version=0.0.4; charset=utf-8"
    assert DELIM.value == f"{P}; encoding=delimited"
    assert PTEXT.value == f"{P}; encoding=text"
    assert COMPACT.value == f"{P}; encoding=compact-text"
    # What 1.11.0 answers (probe §3.3): the escaping term after a single space.
    assert negotiate("").content_type == "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"
    assert negotiate(f"{P};encoding=compact-text").content_type == f"{P}; encoding=compact-text; escaping=underscores"


ENCODING_TABLE = [
    ("", "identity"),
    ("gzip", "gzip"),
    ("deflate, gzip", "gzip"),
    ("gzip, deflate, br", "gzip"),
    ("br, gzip", "gzip"),
    ("gzip,", "gzip"),
    ("gzip;q=1.0, identity; q=0.5", "gzip"),
    ("gzip;q=0.5, *;q=0.1", "gzip"),
    ("identity;q=0.5, gzip;q=0.6", "gzip"),
    ("gzip;q=1.0", "gzip"),
    ("gzip;q=0.001", "gzip"),
    ("gzip;q=1.5", "gzip"),  # gddo reads `1.5` as 1 + .5
    ("gzip ; q=0.5", "gzip"),
    ("zstd, gzip", "gzip"),
    # A best q of 0 is "nothing acceptable", answered uncompressed (1.5.1: gzip).
    ("gzip;q=0", "identity"),
    ("identity;q=0, gzip;q=0", "identity"),
    ("*;q=0", "identity"),
    # Equal q: the earlier offer, identity, wins (1.5.1: gzip).
    ("gzip, identity", "identity"),
    ("identity, gzip", "identity"),
    ("identity,gzip", "identity"),
    # A parameter other than q drops the element and the rest of the line (1.5.1: gzip).
    ("gzip;level=9", "identity"),
    ("gzip;level=9, gzip", "identity"),
    ("gzip;q=abc", "identity"),
    # Tokens are case-sensitive; a line starting with a blank or a comma is empty.
    ("*", "identity"),
    ("GZIP", "identity"),
    ("x-gzip", "identity"),
    ("gzipped", "identity"),
    (", gzip", "identity"),
    # 1.11.0 offered zstd (Content-Encoding: zstd); 1.11.1+ does not, and neither do we.
    ("zstd", "identity"),
    ("br, zstd", "identity"),
    # Every Accept-Encoding line counts (ours joins repeated lines with a newline).
    ("identity;q=0.1\ngzip", "gzip"),
    ("gzip;level=1\ngzip;q=0.5", "gzip"),
]


@pytest.mark.parametrize(("accept_encoding", "expected"), ENCODING_TABLE)
def test_response_encoding(accept_encoding: str, expected: str) -> None:
    assert response_encoding(accept_encoding) == expected
