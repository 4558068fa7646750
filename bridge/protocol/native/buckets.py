"""A native histogram's buckets in order, and the views 1.11 builds from them (API list, UI string).

The walk follows Prometheus's regularBucketIterator as upstream 1.11.3 links it: when the spans
promise more buckets than there are deltas or counts, the walk stops (1.11.0's Debian build
indexes past the end and drops the connection; we do not copy that).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bridge.protocol.floats import format_g
from bridge.protocol.native.bounds import bucket_bound, int32
from bridge.protocol.native.histogram import NativeHistogram, Span

_U64 = 1 << 64
_BOUNDARIES = {(False, True): 0, (True, False): 1, (False, False): 2, (True, True): 3}


def walk(spans: Sequence[Span], available: int) -> Iterator[tuple[int, int]]:
    """Yield (bucket index, position in the deltas or counts) for the first `available` buckets.

    A span's offset is the gap after the previous span (the first span's is the first index);
    zero-length spans only move the index. Indexes wrap as Go's int32 does.
    """
    position = 0
    index = 0
    for number, span in enumerate(spans):
        index = int32(span.offset if number == 0 else index + span.offset)
        for _ in range(span.length):
            if position >= available:
                return
            yield index, position
            position += 1
            index = int32(index + 1)


def running_counts(deltas: Sequence[int]) -> list[int]:
    """Absolute bucket counts from sint64 deltas: an int64 running sum (wrapping), read as uint64."""
    counts: list[int] = []
    total = 0
    for delta in deltas:
        total = (total + delta) % _U64
        counts.append(total)
    return counts


@dataclass(frozen=True, slots=True)
class Bucket:
    """One bucket: bounds, count, and which ends belong to it (`index` is None for the zero bucket)."""

    lower: float
    upper: float
    count: int | float
    lower_inclusive: bool
    upper_inclusive: bool
    index: int | None = None

    @property
    def boundaries(self) -> int:
        """The API's code: 0 `(lower, upper]`, 1 `[lower, upper)`, 2 `(lower, upper)`, 3 `[lower, upper]`."""
        return _BOUNDARIES[self.lower_inclusive, self.upper_inclusive]

    def interval(self) -> str:
        """The bucket as Prometheus's Bucket.String writes it, without the count: `(1,1.414213562373095]`."""
        opening = "[" if self.lower_inclusive else "("
        closing = "]" if self.upper_inclusive else ")"
        return f"{opening}{format_g(self.lower)},{format_g(self.upper)}{closing}"

    def api(self) -> list[int | str]:
        """`[boundaries, "lower", "upper", "count"]`, formatted as Go's `%v`."""
        count = str(self.count) if isinstance(self.count, int) else format_g(self.count)
        return [self.boundaries, format_g(self.lower), format_g(self.upper), count]


def _side(native: NativeHistogram, positive: bool, is_float: bool) -> list[tuple[int, int | float]]:
    """(index, count) of one side's non-empty buckets, in index order."""
    spans = native.positive_spans if positive else native.negative_spans
    values: Sequence[int | float]
    if is_float:
        values = [float(c) for c in (native.positive_counts if positive else native.negative_counts)]
    else:
        values = running_counts(native.positive_deltas if positive else native.negative_deltas)
    # Only exact zeros are left out: negative and NaN counts are shown.
    return [(index, values[position]) for index, position in walk(spans, len(values)) if values[position] != 0]


def _bucket(index: int, count: int | float, schema: int, positive: bool) -> Bucket:
    high = bucket_bound(index, schema)
    low = bucket_bound(int32(index - 1), schema)
    lower, upper = (low, high) if positive else (-high, -low)
    return Bucket(lower, upper, count, lower < 0, upper > 0, index)


def buckets(native: NativeHistogram, sample_count_float: float) -> list[Bucket]:
    """The non-empty buckets, lowest first: negative (most negative first), zero, positive.

    This is the order and selection of 1.11's `/api/v1/metrics` list and of its UI's
    "Native Histogram representation", and what the TUI is meant to show.

    Raises:
        UnsupportedSchema: a listed bucket needs a bound the schema does not define.

    """
    is_float = native.is_float(sample_count_float)
    schema = native.schema
    out = [_bucket(i, c, schema, False) for i, c in reversed(_side(native, False, is_float))]
    zero: int | float = native.zero_count_float if is_float else native.zero_count
    if zero != 0:
        out.append(Bucket(-native.zero_threshold, native.zero_threshold, zero, True, True))
    out.extend(_bucket(i, c, schema, True) for i, c in _side(native, True, is_float))
    return out


def api_buckets(native: NativeHistogram, sample_count_float: float) -> list[list[int | str]]:
    """The `"buckets"` value 1.11 puts in `/api/v1/metrics` for a native histogram (`is_native`)."""
    return [bucket.api() for bucket in buckets(native, sample_count_float)]


def api_count(native: NativeHistogram, sample_count: int, sample_count_float: float) -> str:
    """The `"count"` value beside them: the float count for a float histogram, else the integer one."""
    return format_g(sample_count_float) if native.is_float(sample_count_float) else str(sample_count)


def describe(native: NativeHistogram, sample_count: int, sample_count_float: float, sample_sum: float) -> str:
    """1.11's UI text for it: `{count:20, sum:99.23, [-1.414213562373095,-1):2, (1,1.414213562373095]:2}`."""
    is_float = native.is_float(sample_count_float)
    count = format_g(sample_count_float) if is_float else str(sample_count)
    parts = [f"count:{count}", f"sum:{format_g(sample_sum)}"]
    for bucket in buckets(native, sample_count_float):
        value = str(bucket.count) if isinstance(bucket.count, int) else format_g(bucket.count)
        parts.append(f"{bucket.interval()}:{value}")
    return "{" + ", ".join(parts) + "}"
