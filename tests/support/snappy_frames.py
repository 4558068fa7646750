"""Snappy framing-format bodies built byte by byte, so a case's bytes (and its golden digest) never depend on an encoder's version.

A frame is a stream identifier chunk and data chunks; each data chunk carries the masked CRC-32C
of its decoded bytes. `compressed` writes a real snappy block (a literal, then copies of it), so
the gateway's block decoder is exercised too. cramjam decodes every well-formed frame built here
(tests/http/test_snappy.py checks it).
"""

from __future__ import annotations

import functools

STREAM_IDENTIFIER = b"\xff\x06\x00\x00sNaPpY"


@functools.cache
def _crc_table() -> tuple[int, ...]:
    table = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


def crc32c(data: bytes) -> int:
    table = _crc_table()
    crc = 0xFFFFFFFF
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc(data: bytes) -> bytes:
    crc = crc32c(data)
    return ((((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF).to_bytes(4, "little")


def chunk(kind: int, payload: bytes) -> bytes:
    return bytes([kind]) + len(payload).to_bytes(3, "little") + payload


def uncompressed(data: bytes) -> bytes:
    """An uncompressed data chunk (type 0x01)."""
    return chunk(0x01, masked_crc(data) + data)


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def block(unit: bytes, times: int) -> bytes:
    """A raw snappy block decoding to `unit * times`: one literal, then copies (2-byte offset) of up to 64 bytes."""
    assert 0 < len(unit) <= 60 and times >= 1
    data = unit * times
    out = bytearray(_varint(len(data)))
    out.append((len(unit) - 1) << 2)
    out += unit
    at = len(unit)
    while len(data) - at >= 4:
        # Copying from one unit back continues the repetition (an overlapping copy is allowed).
        n = min(64, len(data) - at)
        out.append(0x02 | (n - 1) << 2)
        out += len(unit).to_bytes(2, "little")
        at += n
    if at < len(data):
        out.append((len(data) - at - 1) << 2)
        out += data[at:]
    return bytes(out)


def compressed(unit: bytes, times: int) -> bytes:
    """A compressed data chunk (type 0x00) decoding to `unit * times`."""
    return chunk(0x00, masked_crc(unit * times) + block(unit, times))


def frame(*chunks: bytes) -> bytes:
    """The stream identifier, then the chunks."""
    return STREAM_IDENTIFIER + b"".join(chunks)


def framed(data: bytes) -> bytes:
    """`data` as one uncompressed chunk in a frame."""
    return frame(uncompressed(data))
