"""A sorted container in bounded chunks: O(log n) insert/remove and a cached join per chunk."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

V = TypeVar("V")
_LOAD = 256


class SortedChunks(Generic[V]):
    """Unique sort keys mapped to rendered bytes and a payload, kept in order.

    Each chunk keeps its rendered bytes joined until it changes, so re-rendering a large
    family after a few pushes only re-joins the chunks those pushes touched.
    """

    __slots__ = ("_joined", "_keys", "_lines", "_maxes", "_size", "_values")

    def __init__(self) -> None:
        self._keys: list[list[Any]] = []
        self._lines: list[list[bytes]] = []
        self._values: list[list[V]] = []
        self._maxes: list[Any] = []
        self._joined: list[bytes | None] = []
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def add(self, key: Any, line: bytes, value: V) -> None:
        """Insert an entry; the key must not be present."""
        maxes = self._maxes
        if not maxes:
            self._keys.append([key])
            self._lines.append([line])
            self._values.append([value])
            maxes.append(key)
            self._joined.append(None)
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
        self._joined[i] = None
        self._size += 1
        if len(keys) > 2 * _LOAD:
            self._split(i)

    def _split(self, i: int) -> None:
        keys, lines, values = self._keys[i], self._lines[i], self._values[i]
        self._keys[i : i + 1] = [keys[:_LOAD], keys[_LOAD:]]
        self._lines[i : i + 1] = [lines[:_LOAD], lines[_LOAD:]]
        self._values[i : i + 1] = [values[:_LOAD], values[_LOAD:]]
        self._maxes[i : i + 1] = [keys[_LOAD - 1], keys[-1]]
        self._joined[i : i + 1] = [None, None]

    def replace(self, key: Any, line: bytes, value: V) -> None:
        """Give an existing key new rendered bytes and payload.

        Raises:
            KeyError: the key is not present.

        """
        maxes = self._maxes
        i = bisect_left(maxes, key)
        if i == len(maxes):
            raise KeyError(key)
        keys = self._keys[i]
        j = bisect_left(keys, key)
        if j == len(keys) or keys[j] != key:
            raise KeyError(key)
        self._lines[i][j] = line
        self._values[i][j] = value
        self._joined[i] = None

    def remove(self, key: Any) -> None:
        """Remove the entry with this key.

        Raises:
            KeyError: the key is not present.

        """
        maxes = self._maxes
        i = bisect_left(maxes, key)
        if i == len(maxes):
            raise KeyError(key)
        keys = self._keys[i]
        j = bisect_left(keys, key)
        if j == len(keys) or keys[j] != key:
            raise KeyError(key)
        del keys[j]
        del self._lines[i][j]
        del self._values[i][j]
        self._size -= 1
        if keys:
            maxes[i] = keys[-1]
            self._joined[i] = None
        else:
            del self._keys[i], self._lines[i], self._values[i], maxes[i], self._joined[i]

    def joined(self) -> bytes:
        """All rendered bytes in key order."""
        parts = self._joined
        for i, part in enumerate(parts):
            if part is None:
                parts[i] = b"".join(self._lines[i])
        return b"".join(parts)  # type: ignore[arg-type]

    def values(self) -> Iterator[V]:
        """Payloads in key order."""
        for chunk in self._values:
            yield from chunk

    def items(self) -> Iterator[tuple[Any, bytes]]:
        """(key, rendered bytes) pairs in key order."""
        for keys, lines in zip(self._keys, self._lines, strict=True):
            yield from zip(keys, lines, strict=True)
