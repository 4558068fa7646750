"""The `/api/v1` read model: the groups JSON (cached per group) and the status JSON."""

from __future__ import annotations

import json
import time
from typing import Any

from bridge.gateway.store.metric_store import Store
from bridge.gateway.store.types import Change, Group, StoredFamily
from bridge.protocol.floats import format_g
from bridge.protocol.model import Histogram, Metric, MetricType
from bridge.protocol.native import api_buckets, api_count

RESERVED_FIELDS = frozenset({"labels", "last_push_successful"})
CORS_HEADERS: tuple[tuple[str, str], ...] = (
    ("Access-Control-Allow-Headers", "Accept, Authorization, Content-Type, Origin"),
    ("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS"),
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "Date"),
    ("Cache-Control", "no-cache, no-store, must-revalidate"),
)


_SECONDS: dict[int, tuple[str, str]] = {}  # whole second -> (local date and time, zone); bounded


def rfc3339nano(ns: int) -> str:
    """Go's `time.Time` JSON form in the local zone: nanoseconds with trailing zeros trimmed."""
    seconds, fraction = divmod(ns, 1_000_000_000)
    cached = _SECONDS.get(seconds)
    if cached is None:
        local = time.localtime(seconds)
        offset = local.tm_gmtoff
        if offset == 0:
            zone = "Z"
        else:
            sign = "+" if offset > 0 else "-"
            offset = abs(offset)
            zone = f"{sign}{offset // 3600:02d}:{offset % 3600 // 60:02d}"
        if len(_SECONDS) >= 4096:
            _SECONDS.clear()
        cached = _SECONDS[seconds] = (time.strftime("%Y-%m-%dT%H:%M:%S", local), zone)
    text, zone = cached
    if fraction:
        return text + f".{fraction:09d}".rstrip("0") + zone
    return text + zone


def _metric_json(metric: Metric, mtype: MetricType) -> dict[str, Any]:
    out: dict[str, Any] = {"labels": dict(metric.labels)}
    if mtype is MetricType.SUMMARY:
        summary = metric.summary
        quantiles = summary.quantiles if summary else []
        out["quantiles"] = {format_g(q): format_g(v) for q, v in quantiles}
        out["count"] = str(summary.sample_count if summary else 0)
        out["sum"] = format_g(summary.sample_sum if summary else 0.0)
    elif mtype is MetricType.HISTOGRAM:
        _histogram_json(metric.histogram or Histogram(), out)
    else:
        # GAUGE_HISTOGRAM too: 1.11 has no branch for it, so it shows a value (0, as a rule).
        out["value"] = format_g(metric.scalar())
    return out


def _histogram_json(histogram: Histogram, out: dict[str, Any]) -> None:
    """1.11's shapes: a native histogram (one with spans) as its bucket list, else the classic map.

    Raises:
        UnsupportedSchema: a native bucket needs a bound its schema does not define.

    """
    out["sum"] = format_g(histogram.sample_sum)
    native = histogram.native
    float_count = histogram.sample_count_float or 0.0
    if native is not None and native.is_native:
        out["buckets"] = api_buckets(native, float_count)
        out["count"] = api_count(native, histogram.sample_count, float_count)
        return
    floats = histogram.bucket_floats
    out["buckets"] = {
        format_g(bound): format_g(floats[i]) if floats is not None and floats[i] > 0 else str(count)
        for i, (bound, count) in enumerate(histogram.buckets)
    }
    # `> 0`, so NaN falls back to the integer count (as in 1.11, where the text format shows NaN).
    out["count"] = format_g(float_count) if float_count > 0 else str(histogram.sample_count)


def family_json(stored: StoredFamily) -> dict[str, Any]:
    """One family of one group, as the API shows it."""
    family = stored.family
    out: dict[str, Any] = {
        "time_stamp": rfc3339nano(stored.timestamp_ns),
        "type": family.type.name,
        "metrics": [_metric_json(m, family.type) for m in family.metrics],
    }
    if family.help:
        out["help"] = family.help
    return out


def group_json(group: Group) -> dict[str, Any]:
    """One group as the API shows it.

    A family named `labels` or `last_push_successful` is left out: in the Go gateway it
    overwrites those fields and breaks every client that reads grouping keys.
    """
    out: dict[str, Any] = {"labels": group.labels, "last_push_successful": group.last_push_successful}
    for name, stored in group.families.items():
        if name not in RESERVED_FIELDS:
            out[name] = family_json(stored)
    return out


def encode_json(value: Any) -> bytes:
    """Compact JSON, sorted keys (as Go encodes maps), invalid UTF-8 replaced by U+FFFD."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace").encode("utf-8")


class ApiCache:
    """Store listener that keeps each group's JSON encoded until the group changes."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._encoded: dict[Any, bytes] = {}
        store.add_listener(self)

    def applied(self, group: Group, change: Change, before: dict[str, StoredFamily]) -> None:
        """Forget the group's JSON; it is encoded again when next asked for."""
        self._encoded.pop(group.key, None)

    def cleared(self, released: list[object]) -> None:
        """Forget every group's JSON; the old cache is freed later."""
        released.append(self._encoded)
        self._encoded = {}

    def metrics_body(self) -> bytes:
        """The whole `/api/v1/metrics` answer."""
        encoded = self._encoded
        parts: list[bytes] = []
        for key, group in self._store.groups.items():
            body = encoded.get(key)
            if body is None:
                body = encoded[key] = encode_json(group_json(group))
            parts.append(body)
        return b'{"status":"success","data":[' + b",".join(parts) + b"]}"


def error_body(error_type: str, message: str) -> bytes:
    """1.11's API error answer, its fields in Go's struct order: `{"status":"error","errorType":…,"error":…}`."""
    kind, text = json.dumps(error_type), json.dumps(message, ensure_ascii=False)
    return f'{{"status":"error","errorType":{kind},"error":{text}}}'.encode()


def status_body(build_info: dict[str, str], flags: dict[str, str], start_ns: int) -> bytes:
    """The `/api/v1/status` answer."""
    data = {"build_information": build_info, "flags": flags, "start_time": rfc3339nano(start_ns)}
    return encode_json({"status": "success", "data": data})
