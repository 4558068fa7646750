"""`Content-Encoding: snappy` request bodies: the snappy framing format, chunk by chunk, as golang/snappy's Reader reads it.

Go 1.11 wraps the body in `snappy.NewReader` (lazy: nothing is read until a handler reads the
body), which decodes and checks one whole chunk before handing any of its bytes on. So a body is
the decoded bytes of every good chunk, then possibly the error of the first bad one, and the
handler meets that error only if its parser reads that far (`SnappyBody.pending`). The chunk
layout and the order of the checks are Go's (`golang/snappy:decode.go:Reader.Read`, v0.0.2 as
Debian builds 1.11.0); decompressing a chunk and checking its CRC-32C is cramjam's (the same Rust
decoder python-snappy now wraps), handed a one-chunk stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import cramjam

from bridge.errors import BodyError

CORRUPT = "snappy: corrupt input"
UNSUPPORTED = "snappy: unsupported input"
STREAM_IDENTIFIER = b"\xff\x06\x00\x00sNaPpY"
_MAX_BLOCK = 65536
_CHECKSUM = 4
_MAX_CHUNK = 76490 + _CHECKSUM
"""Go's read buffer: the longest encoding of a 64 KiB block plus its checksum; a longer chunk is unsupported."""
_COMPRESSED, _UNCOMPRESSED, _IDENTIFIER = 0x00, 0x01, 0xFF


@dataclass(frozen=True, slots=True)
class SnappyBody:
    """A decoded body: the bytes of the chunks that decoded, and the error the reader returns after them (None: a clean end)."""

    data: bytes
    pending: BodyError | None


def decode(raw: bytes, limit: int = 0) -> SnappyBody:
    """Decode a framed snappy stream up to its first bad chunk.

    Raises:
        BodyError: 413 when the decoded bytes exceed `limit` (0: no limit).

    """
    out: list[bytes] = []
    total = 0
    at = 0
    seen_identifier = False
    size = len(raw)
    while at < size:
        if size - at < 4:
            return SnappyBody(b"".join(out), BodyError(CORRUPT))
        kind = raw[at]
        length = int.from_bytes(raw[at + 1 : at + 4], "little")
        if not seen_identifier and kind != _IDENTIFIER:
            return SnappyBody(b"".join(out), BodyError(CORRUPT))
        seen_identifier = True
        if length > _MAX_CHUNK:
            return SnappyBody(b"".join(out), BodyError(UNSUPPORTED))
        start, at = at + 4, at + 4 + length
        if kind in (_COMPRESSED, _UNCOMPRESSED) and length < _CHECKSUM:
            return SnappyBody(b"".join(out), BodyError(CORRUPT))
        if 0x02 <= kind <= 0x7F:
            return SnappyBody(b"".join(out), BodyError(UNSUPPORTED))
        if at > size:
            return SnappyBody(b"".join(out), BodyError(CORRUPT))
        chunk = raw[start:at]
        if kind == _IDENTIFIER:
            if chunk != STREAM_IDENTIFIER[4:]:
                return SnappyBody(b"".join(out), BodyError(CORRUPT))
            continue
        if kind > 0x7F:
            continue  # padding (0xfe) and reserved skippable chunks (0x80-0xfd)
        decoded = _chunk(kind, raw[start - 4 : at])
        if decoded is None:
            return SnappyBody(b"".join(out), BodyError(CORRUPT))
        total += len(decoded)
        if limit and total > limit:
            raise BodyError(f"decompressed request body larger than the limit of {limit} bytes", 413)
        out.append(decoded)
    return SnappyBody(b"".join(out), None)


def _chunk(kind: int, chunk: bytes) -> bytes | None:
    """One data chunk (its 4-byte header included) decoded and checksummed, or None if Go would call it corrupt."""
    payload = chunk[4 + _CHECKSUM :]
    if kind == _UNCOMPRESSED:
        decoded_length = len(payload)
    else:
        try:
            decoded_length = int(cramjam.snappy.decompress_raw_len(payload))
        except cramjam.DecompressionError:
            return None
    if decoded_length > _MAX_BLOCK:
        return None
    try:
        return bytes(cramjam.snappy.decompress(STREAM_IDENTIFIER + chunk))
    except cramjam.DecompressionError:
        return None
