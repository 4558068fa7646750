"""The rows PostgreSQL keeps, as bytes and text: families (through one codec hook), grouping labels, feed entries.

`encode_family` / `decode_family` are the one place the family codec is chosen: today the
SQLite file's row codec (`sqlitefile`), so a store moves between the two without conversion;
when the file's codec changes, pointing these two functions at the new one moves both stores.

A feed entry is one committed write (a list of `Change`s): a JSON document that names its
families by index, and the families themselves as a `bytea[]` beside it, so family bytes are
never re-encoded into text. Pure: no I/O.
"""

from __future__ import annotations

import json
from typing import Any

from bridge.errors import PersistenceError
from bridge.gateway.storage.sqlitefile import decode_family as _decode_family_v1
from bridge.gateway.storage.sqlitefile import encode_family as _encode_family_v1
from bridge.gateway.store.types import WIPED, Change, StoredFamily
from bridge.protocol.grouping import group_key
from bridge.protocol.model import MetricFamily


def encode_family(family: MetricFamily) -> bytes:
    """A family's stored bytes (the codec hook: see the module docstring)."""
    return _encode_family_v1(family).encode()


def decode_family(name: str, data: bytes) -> MetricFamily:
    """Inverse of `encode_family`.

    Raises:
        PersistenceError: bytes this code did not write.

    """
    try:
        text = bytes(data).decode()
    except UnicodeDecodeError as exc:
        raise PersistenceError(f"family {name!r} cannot be decoded: {exc}") from None
    return _decode_family_v1(name, text)


def labels_text(labels: dict[str, str]) -> str:
    """A group's labels as the key column holds them (the SQLite file's form: sorted pairs, ASCII JSON)."""
    return json.dumps(sorted(labels.items()), separators=(",", ":"))


def labels_from_text(text: str) -> dict[str, str]:
    """Inverse of `labels_text`.

    Raises:
        PersistenceError: not a label list.

    """
    try:
        return {str(n): str(v) for n, v in json.loads(text)}
    except (ValueError, TypeError) as exc:
        raise PersistenceError(f"unreadable group labels {text[:80]!r}: {exc}") from None


def encode_write(changes: list[Change]) -> tuple[str, list[bytes]]:
    """One write as a feed entry: its JSON document and its families' bytes."""
    blobs: list[bytes] = []
    doc: list[Any] = []
    for change in changes:
        if change.wiped:
            doc.append({"wiped": True})
            continue
        written = []
        for name, stored in change.written.items():
            written.append([name, stored.timestamp_ns, len(blobs)])
            blobs.append(encode_family(stored.family))
        entry: dict[str, Any] = {"labels": sorted(change.labels.items()), "written": written}
        if change.removed:
            entry["removed"] = list(change.removed)
        if change.group_removed:
            entry["group_removed"] = True
        doc.append(entry)
    return json.dumps(doc, separators=(",", ":")), blobs


def decode_write(doc: str, blobs: list[bytes]) -> list[Change]:
    """Inverse of `encode_write`.

    Raises:
        PersistenceError: an entry this code did not write.

    """
    try:
        entries = json.loads(doc)
        changes = []
        for entry in entries:
            if entry.get("wiped"):
                changes.append(WIPED)
                continue
            labels = {str(n): str(v) for n, v in entry["labels"]}
            written = {
                name: StoredFamily(decode_family(name, blobs[index]), int(ns)) for name, ns, index in entry["written"]
            }
            changes.append(
                Change(
                    group_key(labels),
                    labels,
                    written,
                    tuple(entry.get("removed", ())),
                    group_removed=bool(entry.get("group_removed", False)),
                )
            )
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise PersistenceError(f"a change feed entry cannot be decoded: {exc}") from None
    return changes
