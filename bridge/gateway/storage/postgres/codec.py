"""The rows PostgreSQL keeps, as bytes and text: families (through one codec hook), grouping labels, feed entries.

`encode_family` / `decode_family` are the one place the family codec is chosen, and
`FAMILY_CODEC` names it in `pgw_meta` (a database holding another is refused). A family is
stored as its `MetricFamily` protobuf message, as the gateway's protobuf scrape writes it: the
encoding keeps everything the model holds (native histograms with their spans, zero bucket and
schema, float counts, gauge histograms, exemplars, created timestamps, unknown fields, HELP
absent or empty), and decoding it gives the same family back, which re-encodes to the same bytes
(`protocol.protobuf`'s fixed point). So a replica that loads or replays a family serves it byte
for byte as the replica that took the push.

Family names are keyed as bytes, grouping labels as ASCII JSON, feed documents as ASCII JSON:
`text` columns cannot hold NUL, which a UTF-8 name (`--push.enable-utf8-names`) or a label
value may contain. A feed entry is one committed write (a list of `Change`s): a JSON document that names its
families by index, and the families themselves as a `bytea[]` beside it, so family bytes are
never re-encoded into text. Pure: no I/O.
"""

from __future__ import annotations

import json
from typing import Any

from bridge.errors import PersistenceError, ProtobufError
from bridge.gateway.store.types import WIPED, Change, StoredFamily
from bridge.protocol import protobuf
from bridge.protocol.grouping import group_key
from bridge.protocol.model import MetricFamily

FAMILY_CODEC = "protobuf-v1"
"""The name of `encode_family`'s format in `pgw_meta`; change it with the codec."""


def encode_family(family: MetricFamily) -> bytes:
    """A family's stored bytes: its `MetricFamily` protobuf message (the codec hook: see the module docstring)."""
    return protobuf.encode_family(family)


def decode_family(name: str, data: bytes) -> MetricFamily:
    """Inverse of `encode_family`; `name` is the row's, which the message must carry.

    Raises:
        PersistenceError: bytes this code did not write.

    """
    try:
        family = protobuf.decode_family(data)
    except ProtobufError as exc:
        raise PersistenceError(f"family {name!r} cannot be decoded: {exc}") from None
    if family.name != name:
        raise PersistenceError(f"the row of family {name!r} holds family {family.name!r}")
    return family


def name_key(name: str) -> bytes:
    """A family name as the `name` column holds it: its bytes (a UTF-8 name may hold NUL, which `text` cannot)."""
    return name.encode("utf-8", "surrogateescape")


def name_from_key(key: bytes) -> str:
    """Inverse of `name_key`."""
    return bytes(key).decode("utf-8", "surrogateescape")


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
