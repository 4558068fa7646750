"""The persistence file: its schema and identity checks, the row codec, and loading every group."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from typing import Any

from bridge.errors import PersistenceError
from bridge.gateway.store.types import StoredFamily
from bridge.protocol.model import Histogram, Metric, MetricFamily, MetricType, Summary

APPLICATION_ID = 0x50475742  # "PGWB"
SCHEMA_VERSION = 1
_SQLITE_MAGIC = b"SQLite format 3\x00"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS groups (
    id INTEGER PRIMARY KEY,
    labels TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS families (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    timestamp_ns INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (group_id, name)
) WITHOUT ROWID;
"""
SCHEMA_STATEMENTS = tuple(statement.strip() for statement in _SCHEMA.split(";") if statement.strip())
"""The schema one statement at a time (what a wipe re-creates inside its transaction)."""
_KIND_GAUGE, _KIND_COUNTER, _KIND_UNTYPED, _KIND_SUMMARY, _KIND_HISTOGRAM = range(5)


# ------------------------------------------------------------------ row codec (pure)
def _float(value: float) -> Any:
    """JSON has no NaN/Inf: store them as strings."""
    if value != value or value in (float("inf"), float("-inf")):
        return repr(value)
    return value


def _unfloat(value: Any) -> float:
    return float(value)


def encode_family(family: MetricFamily) -> str:
    """A family as compact JSON: [type, help or null, [metric, ...]], each metric [labels, fields...]."""
    metrics = []
    for m in family.metrics:
        fields: list[Any] = [m.labels]  # tuples encode as JSON arrays, like the lists they were
        if m.gauge is not None:
            fields.append([_KIND_GAUGE, _float(m.gauge)])
        if m.counter is not None:
            fields.append([_KIND_COUNTER, _float(m.counter)])
        if m.untyped is not None:
            fields.append([_KIND_UNTYPED, _float(m.untyped)])
        if m.summary is not None:
            s = m.summary
            fields.append(
                [
                    _KIND_SUMMARY,
                    str(s.sample_count),
                    _float(s.sample_sum),
                    [[_float(q), _float(v)] for q, v in s.quantiles],
                ]
            )
        if m.histogram is not None:
            h = m.histogram
            fields.append(
                [
                    _KIND_HISTOGRAM,
                    str(h.sample_count),
                    _float(h.sample_sum),
                    [[_float(b), str(c)] for b, c in h.buckets],
                ]
            )
        metrics.append(fields)
    return json.dumps([int(family.type), family.help, metrics], separators=(",", ":"))


def decode_family(name: str, data: str) -> MetricFamily:
    """Inverse of `encode_family`.

    Raises:
        PersistenceError: the row is not a family this code wrote.

    """
    try:
        mtype, help_text, metrics = json.loads(data)
        family = MetricFamily(name, MetricType(mtype), help_text, [])
        for fields in metrics:
            metric = Metric(labels=tuple((n, v) for n, v in fields[0]))
            for kind, *rest in fields[1:]:
                if kind == _KIND_GAUGE:
                    metric.gauge = _unfloat(rest[0])
                elif kind == _KIND_COUNTER:
                    metric.counter = _unfloat(rest[0])
                elif kind == _KIND_UNTYPED:
                    metric.untyped = _unfloat(rest[0])
                elif kind == _KIND_SUMMARY:
                    metric.summary = Summary(
                        int(rest[0]), _unfloat(rest[1]), [(_unfloat(q), _unfloat(v)) for q, v in rest[2]]
                    )
                elif kind == _KIND_HISTOGRAM:
                    metric.histogram = Histogram(
                        int(rest[0]), _unfloat(rest[1]), [(_unfloat(b), int(c)) for b, c in rest[2]]
                    )
                else:
                    raise ValueError(f"unknown value kind {kind}")
            family.metrics.append(metric)
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        raise PersistenceError(f"family {name!r} cannot be decoded: {exc}") from None
    return family


def labels_key(labels: dict[str, str]) -> str:
    return json.dumps(sorted(labels.items()), separators=(",", ":"))


# ------------------------------------------------------------------ file checks
def open_database(path: str) -> sqlite3.Connection:
    """Open (creating if needed) a persistence file that is ours, after checking what it is.

    Raises:
        PersistenceError: the file is not SQLite, not ours, corrupt, or from a newer schema.

    """
    existed = os.path.exists(path)
    try:
        header = b""
        if existed and os.path.getsize(path) > 0:
            with open(path, "rb") as handle:
                header = handle.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise PersistenceError(f"cannot open {path}: {exc.strerror or exc}") from None
    if header and header != _SQLITE_MAGIC:
        raise PersistenceError(
            f"{path} is not a pgw-bridge persistence file (not SQLite; a Go pushgateway file?). "
            "Refusing to touch it: move it away or choose another --persistence.file"
        )
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise PersistenceError(f"cannot open {path}: {exc}") from None
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if app_id == 0 and not tables:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        elif app_id != APPLICATION_ID:
            raise PersistenceError(
                f"{path} is a SQLite file of another application (application_id {app_id:#x}); refusing to touch it"
            )
        elif version > SCHEMA_VERSION:
            raise PersistenceError(
                f"{path} has schema version {version}, newer than this pgw-bridge understands "
                f"({SCHEMA_VERSION}); upgrade pgw-bridge"
            )
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise PersistenceError(f"{path} is corrupt ({check}); refusing to start on it")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.executescript(_SCHEMA)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise PersistenceError(f"{path} is corrupt or not a database ({exc}); refusing to start on it") from None
    except PersistenceError:
        conn.close()
        raise
    return conn


def load_groups(conn: sqlite3.Connection) -> Iterator[tuple[dict[str, str], dict[str, StoredFamily]]]:
    """Every persisted group with its families, in insertion order.

    Raises:
        PersistenceError: a row that cannot be decoded.

    """
    families: dict[int, dict[str, StoredFamily]] = {}
    for group_id, name, timestamp_ns, data in conn.execute(
        "SELECT group_id, name, timestamp_ns, data FROM families ORDER BY group_id"
    ):
        families.setdefault(group_id, {})[name] = StoredFamily(decode_family(name, data), timestamp_ns)
    for group_id, labels in conn.execute("SELECT id, labels FROM groups ORDER BY id"):
        try:
            pairs = json.loads(labels)
            label_map = {str(n): str(v) for n, v in pairs}
        except (ValueError, TypeError) as exc:
            raise PersistenceError(f"group {group_id} has unreadable labels: {exc}") from None
        yield label_map, families.get(group_id, {})
