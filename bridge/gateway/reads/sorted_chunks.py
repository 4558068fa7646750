"""A sorted container in bounded chunks: O(log n) insert/remove, and a cached compressed form per chunk."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

V = TypeVar("V")
_LOAD = 256


class SortedChunks(Generic[V]):
    """Unique sort keys mapped to rendered bytes and a payload, kept in order.

    The rendered bytes are kept once, per entry (joining them for a scrape is a single cheap
    copy). Each chunk keeps its compressed bytes until it or the chunk before it changes (it is
    compressed with the text of the chunk before as its dictionary), so a gzip scrape after a
    few pushes only recompresses the chunks those pushes touched and the ones after them.
    """

    __slots__ = ("_deflated", "_keys", "_lines", "_maxes", "_size", "_values")

    def __init__(self) -> None:
        self._keys: list[list[Any]] = []
        self._lines: list[list[bytes]] = []
        self._values: list[list[V]] = []
        self._maxes: list[Any] = []
        self._deflated: list[bytes | None] = []
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def detach(self) -> list[list[Any]]:
        """Empty the container and return its chunks, for the caller to free when it suits it."""
        chunks: list[list[Any]] = [*self._keys, *self._lines, *self._values]
        self._keys, self._lines, self._values = [], [], []
        self._maxes, self._deflated, self._size = [], [], 0
        return chunks

    def add(self, key: Any, line: bytes, value: V) -> None:
        """Insert an entry; the key must not be present."""
        maxes = self._maxes
        if not maxes:
            self._keys.append([key])
            self._lines.append([line])
            self._values.append([value])
            maxes.append(key)
            self._deflated.append(None)
            self._size = 1
            return
        i = bisect_left(maxes, key)
        if i == len(maxes):
            i -= 1
        keys = self._keys[i]
        j = bisect_left(keys, key)
        keys.insert(j, key)
        self._lines[i].insert(j, line)
        self._values[i].insert(j, value)
        maxes[i] = keys[-1]
        self._changed(i)
        self._size += 1
        if len(keys) > 2 * _LOAD:
            self._split(i)

    def _split(self, i: int) -> None:
        keys, lines, values = self._keys[i], self._lines[i], self._values[i]
        self._keys[i : i + 1] = [keys[:_LOAD], keys[_LOAD:]]
        self._lines[i : i + 1] = [lines[:_LOAD], lines[_LOAD:]]
        self._values[i : i + 1] = [values[:_LOAD], values[_LOAD:]]
        self._maxes[i : i + 1] = [keys[_LOAD - 1], keys[-1]]
        self._deflated[i : i + 1] = [None, None]
        self._changed(i + 1)

    def _changed(self, i: int) -> None:
        """Chunk i changed: its compressed form and the next one's (whose dictionary it is) are stale."""
        deflated = self._deflated
        deflated[i] = None
        if i + 1 < len(deflated):
            deflated[i + 1] = None

    def _find(self, key: Any) -> tuple[int, int]:
        maxes = self._maxes
        i = bisect_left(maxes, key)
        if i == len(maxes):
            raise KeyError(key)
        keys = self._keys[i]
        j = bisect_left(keys, key)
        if j == len(keys) or keys[j] != key:
            raise KeyError(key)
        return i, j

    def replace(self, key: Any, line: bytes, value: V) -> None:
        """Give an existing key new rendered bytes and payload.

        Raises:
            KeyError: the key is not present.

        """
        i, j = self._find(key)
        self._lines[i][j] = line
        self._values[i][j] = value
        self._changed(i)

    def remove(self, key: Any) -> None:
        """Remove the entry with this key.

        Raises:
            KeyError: the key is not present.

        """
        i, j = self._find(key)
        keys = self._keys[i]
        del keys[j]
        del self._lines[i][j]
        del self._values[i][j]
        self._size -= 1
        if keys:
            self._maxes[i] = keys[-1]
            self._changed(i)
        else:
            del self._keys[i], self._lines[i], self._values[i], self._maxes[i], self._deflated[i]
            if i < len(self._deflated):
                self._deflated[i] = None  # its predecessor is another chunk now

    def extend_lines(self, out: list[bytes]) -> None:
        """Append every rendered entry, in key order, to `out`."""
        for lines in self._lines:
            out.extend(lines)

    def pieces(self, deflate: Callable[[bytes, bytes], bytes]) -> Iterator[tuple[bytes, bytes]]:
        """Each chunk's rendered bytes with `deflate(text, previous chunk's text)` of them, kept until stale.

        The pieces are only valid in this order, right after one another.
        """
        deflated = self._deflated
        previous = b""
        for i, lines in enumerate(self._lines):
            text = b"".join(lines)
            piece = deflated[i]
            if piece is None:
                piece = deflated[i] = deflate(text, previous)
            yield text, piece
            previous = text

    def values(self) -> Iterator[V]:
        """Payloads in key order."""
        for chunk in self._values:
            yield from chunk

    def items(self) -> Iterator[tuple[Any, bytes]]:
        """(key, rendered bytes) pairs in key order."""
        for keys, lines in zip(self._keys, self._lines, strict=True):
            yield from zip(keys, lines, strict=True)
