"""One gzip stream from independently compressed pieces, so cached pieces need no recompression.

Each piece is raw DEFLATE from a fresh compressor ending in a full flush: it is byte-aligned and
not final, so pieces concatenate into one valid DEFLATE stream. A piece may be primed with the
text that precedes it in the stream (as pigz does): its back-references into that text stay
valid as long as it follows that text. The gzip trailer needs the CRC-32 and length of the
whole uncompressed text.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable

LEVEL = 6  # Go's gzip.DefaultCompression, as promhttp uses
# Magic, deflate, no flags, mtime 0, no extra flags, OS unknown (what gzip.compress(mtime=0) writes).
_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_FINAL = zlib.compressobj(LEVEL, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)  # an empty final block


_WINDOW = 32 * 1024


def deflate_piece(data: bytes, preceding: bytes = b"") -> bytes:
    """Raw DEFLATE of `data`, byte-aligned and not final; valid right after `preceding` (if given)."""
    if preceding:
        compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15, zdict=preceding[-_WINDOW:])
    else:
        compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def gzip_pieces(pieces: Iterable[tuple[bytes, bytes | None]]) -> bytes:
    """A gzip member of the texts in order; each comes with its `deflate_piece`, or None to compress it here.

    Consecutive texts without a piece are compressed together.
    """
    out = [_HEADER]
    pending: list[bytes] = []
    crc = 0
    size = 0
    for text, deflated in pieces:
        if not text:
            continue
        crc = zlib.crc32(text, crc)
        size += len(text)
        if deflated is None:
            pending.append(text)
            continue
        if pending:
            out.append(deflate_piece(b"".join(pending)))
            pending = []
        out.append(deflated)
    if pending:
        out.append(deflate_piece(b"".join(pending)))
    out.append(_FINAL)
    out.append(struct.pack("<II", crc, size & 0xFFFFFFFF))
    return b"".join(out)
