"""Unit tests: snappy request bodies decoded chunk by chunk, with golang/snappy's checks, order and error texts."""

from __future__ import annotations

import cramjam
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.errors import BodyError
from bridge.gateway.web.snappyframe import CORRUPT, UNSUPPORTED, decode
from tests.support import snappy_frames as sn


def test_a_real_encoders_stream_decodes_to_its_input() -> None:
    data = b"".join(b'm{i="%d"} %d\n' % (i, i) for i in range(30_000))  # several 64 KiB chunks
    body = decode(bytes(cramjam.snappy.compress(data)))
    assert (body.data, body.pending) == (data, None)


def test_chunks_of_every_kind() -> None:
    stream = sn.frame(
        sn.compressed(b"ab", 300),
        sn.chunk(0xFE, b"\x00\x00"),  # padding
        sn.chunk(0x80, b"ignored"),  # reserved, skippable
        sn.STREAM_IDENTIFIER,  # a second stream identifier is allowed
        sn.uncompressed(b"!"),
    )
    assert decode(stream).data == b"ab" * 300 + b"!"
    assert decode(b"") == decode(sn.STREAM_IDENTIFIER)
    assert decode(b"").data == b""
    assert decode(b"").pending is None


@pytest.mark.parametrize(
    ("stream", "error"),
    [
        (bytes.fromhex("05107820310a"), CORRUPT),  # a raw block: no stream identifier
        (sn.uncompressed(b"x"), CORRUPT),  # data before the stream identifier
        (b"\xff\x06\x00\x00sNaPpX", CORRUPT),  # wrong magic
        (sn.STREAM_IDENTIFIER + b"\x01\x05", CORRUPT),  # a cut chunk header
        (sn.frame(sn.chunk(0x01, b"\x00\x00\x00\x00x")), CORRUPT),  # bad checksum
        (sn.frame(sn.chunk(0x00, b"\x00\x00")), CORRUPT),  # shorter than its checksum
        (sn.frame(sn.chunk(0x00, b"\x00" * 4 + b"\xf0\xa2\x04")), CORRUPT),  # decodes to 70,000 bytes
        (sn.frame(sn.chunk(0x02, b"")), UNSUPPORTED),  # reserved, unskippable
        (sn.frame(sn.chunk(0x7F, b"x")), UNSUPPORTED),
        (sn.STREAM_IDENTIFIER + b"\x00" + (76495).to_bytes(3, "little"), UNSUPPORTED),  # longer than Go's buffer
        (sn.STREAM_IDENTIFIER + b"\x01" + (65541).to_bytes(3, "little") + b"\x00" * 8, CORRUPT),
    ],
)
def test_go_s_verdicts(stream: bytes, error: str) -> None:
    body = decode(stream)
    assert body.pending is not None
    assert (str(body.pending), body.pending.status, body.data) == (error, 400, b"")


def test_the_chunks_before_a_bad_one_are_kept() -> None:
    body = decode(sn.frame(sn.uncompressed(b"x 1\n"), sn.compressed(b"y", 100), sn.chunk(0x03, b"")))
    assert body.data == b"x 1\n" + b"y" * 100
    assert str(body.pending) == UNSUPPORTED


def test_the_decoded_size_limit_is_a_413() -> None:
    with pytest.raises(BodyError) as refused:
        decode(sn.frame(sn.compressed(b"z", 1000), sn.compressed(b"z", 1000)), limit=1500)
    assert refused.value.status == 413
    assert decode(sn.frame(sn.compressed(b"z", 1000)), limit=1000).data == b"z" * 1000


@given(st.lists(st.binary(min_size=1, max_size=300), min_size=1, max_size=6), st.data())
def test_a_cut_stream_yields_whole_chunks_then_corrupt(pieces: list[bytes], data: st.DataObject) -> None:
    stream = sn.frame(*(sn.uncompressed(p) for p in pieces))
    cut = data.draw(st.integers(len(sn.STREAM_IDENTIFIER), len(stream)))
    body = decode(stream[:cut])
    boundaries = [len(sn.STREAM_IDENTIFIER)]
    for piece in pieces:
        boundaries.append(boundaries[-1] + 8 + len(piece))
    whole = sum(1 for b in boundaries[1:] if b <= cut)
    assert body.data == b"".join(pieces[:whole])
    assert body.pending is None if cut in boundaries else str(body.pending) == CORRUPT
