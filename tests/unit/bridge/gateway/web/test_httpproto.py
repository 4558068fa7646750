"""Unit tests: the request-head byte count behind Go's 431, wherever a chunk boundary falls."""

from __future__ import annotations

import pytest

from bridge.gateway.web.httpproto import MAX_HEAD_BYTES, GoHeadLimitsProtocol


def _fits(chunks: list[bytes]) -> bool:
    """Feed the chunks of one head to the counter only (no parser, no transport)."""
    protocol = GoHeadLimitsProtocol.__new__(GoHeadLimitsProtocol)
    return all(protocol._head_fits(chunk) for chunk in chunks)


def _head(size: int, body: bytes = b"") -> bytes:
    start, end = b"GET / HTTP/1.1\r\nX-Pad: ", b"\r\n\r\n"
    return start + b"p" * (size - len(start) - len(end)) + end + body


@pytest.mark.parametrize("size", [MAX_HEAD_BYTES - 1, MAX_HEAD_BYTES, MAX_HEAD_BYTES + 1])
def test_the_limit_is_the_head_up_to_its_blank_line(size: int) -> None:
    expected = size <= MAX_HEAD_BYTES
    head = _head(size, body=b"x" * 5000)  # a body after the head is not counted
    assert _fits([head]) is expected
    # The same verdict wherever the chunks split it, the blank line included.
    for split in (1, 1000, size - 4, size - 3, size - 2, size - 1, size, size + 1):
        assert _fits([head[:split], head[split:]]) is expected, split
    assert _fits([head[:100], head[100 : size - 2], head[size - 2 :]]) is expected


def test_an_unfinished_head_fails_once_it_passes_the_limit() -> None:
    start = b"GET / HTTP/1.1\r\nX-Pad: " + b"p" * (MAX_HEAD_BYTES - 100)
    assert _fits([start])
    assert not _fits([start, b"p" * 101])
