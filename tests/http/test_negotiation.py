"""Scrape negotiation on its own: the format and escaping expfmt.Negotiate (goautoneg) picks, and promhttp's gzip test.

Format expectations are the Go 1.5.1 binary's answers (tests/golden/1.5.1/scrape.json), unchanged
in 1.11; the escaping table is the 1.11.0 binary's (/work/notes/probe-1.11.md §3.3, and the
differential cases in tests/differential/utf8_cases.py).
"""

from __future__ import annotations

import pytest

from bridge.gateway.web.negotiation import Format, gzip_accepted, negotiate
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


GZIP_TABLE = [
    ("gzip", True),
    ("deflate, gzip", True),
    ("gzip;q=1.0, identity; q=0.5", True),
    ("identity,gzip", True),
    ("gzip,", True),
    # promhttp 1.14 looks for the token only: a q of 0 still gets gzip.
    ("gzip;q=0", True),
    ("", False),
    ("identity", False),
    ("GZIP", False),
    ("x-gzip", False),
    ("gzipped", False),
    ("gzip ;q=1", False),
    ("br, zstd", False),
    ("*", False),
]


@pytest.mark.parametrize(("accept_encoding", "expected"), GZIP_TABLE)
def test_gzip_accepted(accept_encoding: str, expected: bool) -> None:
    assert gzip_accepted(accept_encoding) is expected
