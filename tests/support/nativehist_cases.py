"""Native histograms whose `/api/v1/metrics` answer 1.11.0 recorded in tests/golden/nativehist/."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from bridge.protocol.native import NativeHistogram, Span

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
UINT64_MAX = (1 << 64) - 1


@dataclass(frozen=True)
class Case:
    """One histogram pushed as the only metric of family `nh_<name>`."""

    name: str
    native: NativeHistogram
    sample_count: int = 0
    sample_count_float: float = 0.0
    sample_sum: float = 0.0

    @property
    def family(self) -> str:
        return f"nh_{self.name}"

    def as_json(self) -> dict[str, Any]:
        """The input as the golden file echoes it (floats as repr, so NaN, ±Inf and -0 survive JSON)."""

        def plain(value: Any) -> Any:
            if isinstance(value, float):
                return repr(value)
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            return value

        out: dict[str, Any] = plain(asdict(self.native))
        out.update(
            sample_count=self.sample_count,
            sample_count_float=repr(self.sample_count_float),
            sample_sum=repr(self.sample_sum),
        )
        return out


def _spans(*pairs: tuple[int, int]) -> tuple[Span, ...]:
    return tuple(Span(offset, length) for offset, length in pairs)


def _ones(n: int) -> tuple[int, ...]:
    """Deltas giving every bucket the count 1."""
    return (1,) + (0,) * (n - 1) if n else ()


def _bounds_case(schema: int) -> Case:
    """Every fraction of the schema's table, at exponents 0 and 1 (positive) and 1 (negative)."""
    n = 1 << schema
    native = NativeHistogram(
        schema=schema,
        positive_spans=_spans((-n, 2 * n)),
        positive_deltas=_ones(2 * n),
        negative_spans=_spans((1, n)),
        negative_deltas=_ones(n),
    )
    return Case(f"bounds_s{schema}", native, sample_count=3 * n)


def _extremes_case(schema: int) -> Case:
    """Indexes at the edges of float64 for a schema: subnormals, underflow to 0, MaxFloat64, +Inf."""
    if schema >= 0:
        n = 1 << schema
        spans = _spans((-1076 * n - 2, 4), (1076 * n - 1022 * n - 4, 4), (2046 * n - 3, 4))
    else:
        shift = -schema
        low, top = 1076 >> shift, 1024 >> shift
        spans = _spans((-low - 2, low + top + 4))
    length = sum(span.length for span in spans)
    native = NativeHistogram(schema=schema, positive_spans=spans, positive_deltas=_ones(length))
    return Case(f"extremes_s{schema}".replace("-", "m"), native, sample_count=length)


def _float(name: str, native: NativeHistogram, count: float, **kw: Any) -> Case:
    return Case(name, native, sample_count_float=count, **kw)


DELTA_EXAMPLE = NativeHistogram(
    schema=1,
    negative_spans=_spans((0, 2), (0, 2)),
    negative_deltas=(0, 2, -2, 0),
    positive_spans=_spans((0, 2), (0, 2)),
    positive_deltas=(0, 2, -2, 0),
)
FLOAT_EXAMPLE = NativeHistogram(
    schema=1,
    negative_spans=_spans((0, 2), (0, 2)),
    negative_counts=(2.0, 2.0, -2.0, 0.0),
    positive_spans=_spans((0, 2), (0, 2)),
    positive_counts=(2.0, 2.0, -2.0, 0.0),
)

CASES: tuple[Case, ...] = (
    *(_bounds_case(s) for s in range(9)),
    *(_extremes_case(s) for s in range(-4, 9)),
    Case("api_test_integer", DELTA_EXAMPLE, sample_count=20, sample_sum=99.23),
    _float("api_test_float", FLOAT_EXAMPLE, 20.0, sample_sum=99.23),
    Case(
        "probe_integer",
        NativeHistogram(
            schema=3,
            zero_threshold=1e-128,
            zero_count=2,
            positive_spans=_spans((0, 2), (1, 1)),
            positive_deltas=(3, -1, 2),
            negative_spans=_spans((-2, 1)),
            negative_deltas=(4,),
        ),
        sample_count=20,
        sample_sum=99.23,
    ),
    _float(
        "probe_float",
        NativeHistogram(
            schema=-1,
            zero_threshold=0.5,
            zero_count_float=1.5,
            positive_spans=_spans((1, 2)),
            positive_counts=(2.5, 3.5),
            negative_spans=_spans((0, 1)),
            negative_counts=(0.25,),
        ),
        7.5,
    ),
    Case("noop_span", NativeHistogram(positive_spans=_spans((0, 0)))),
    Case("noop_span_schema9", NativeHistogram(schema=9, positive_spans=_spans((0, 0)))),
    Case("zero_bucket_only", NativeHistogram(zero_threshold=0.001, zero_count=7, negative_spans=_spans((0, 0))), 7),
    Case("zero_threshold_zero", NativeHistogram(zero_count=3, positive_spans=_spans((0, 1)), positive_deltas=(1,))),
    Case(
        "zero_threshold_negative_zero",
        NativeHistogram(zero_threshold=-0.0, zero_count=1, positive_spans=_spans((0, 0))),
    ),
    Case("zero_threshold_nan", NativeHistogram(zero_threshold=math.nan, zero_count=1, positive_spans=_spans((0, 0)))),
    Case("zero_threshold_inf", NativeHistogram(zero_threshold=math.inf, zero_count=1, positive_spans=_spans((0, 0)))),
    _float(
        "zero_bucket_float",
        NativeHistogram(zero_threshold=1e-9, zero_count_float=0.5, positive_spans=_spans((0, 0))),
        0.0,
    ),
    Case(
        "zero_count_float_nan_is_integer",
        NativeHistogram(zero_count=4, zero_count_float=math.nan, positive_spans=_spans((0, 1)), positive_deltas=(2,)),
        6,
    ),
    Case(
        "zero_length_spans",
        NativeHistogram(
            schema=2,
            positive_spans=_spans((3, 0), (2, 1), (1, 0), (4, 2), (0, 0), (-3, 1)),
            positive_deltas=(1, 1, 1, 1),
            negative_spans=_spans((-5, 0), (0, 2)),
            negative_deltas=(5, -2),
        ),
    ),
    Case("empty_buckets_dropped", NativeHistogram(positive_spans=_spans((0, 4)), positive_deltas=(0, 3, -3, 1))),
    Case("extra_deltas_ignored", NativeHistogram(positive_spans=_spans((0, 1)), positive_deltas=(1, 2, 3))),
    Case("negative_running_count_wraps", NativeHistogram(positive_spans=_spans((0, 2)), positive_deltas=(-1, -1))),
    Case(
        "int64_running_sum_wraps",
        NativeHistogram(
            positive_spans=_spans((0, 4)), positive_deltas=(INT64_MAX, 1, INT64_MAX, INT64_MIN), zero_count=UINT64_MAX
        ),
        UINT64_MAX,
    ),
    Case("int64_min_delta", NativeHistogram(negative_spans=_spans((0, 1)), negative_deltas=(INT64_MIN,))),
    _float(
        "float_counts_odd",
        NativeHistogram(
            schema=-2,
            positive_spans=_spans((-1, 7)),
            positive_counts=(math.nan, -0.0, 0.0, math.inf, -math.inf, 1e-300, 1e21),
            negative_spans=_spans((0, 3)),
            negative_counts=(-1.5, 1e6, 123456.0),
        ),
        1.0,
    ),
    _float(
        "float_with_deltas_too",
        NativeHistogram(
            positive_spans=_spans((0, 2)), positive_deltas=(9, 9), positive_counts=(1.5, 2.5), negative_spans=()
        ),
        4.0,
    ),
    Case(
        "integer_with_counts_too",
        NativeHistogram(positive_spans=_spans((0, 2)), positive_deltas=(9, -1), positive_counts=(1.5, 2.5)),
        sample_count=17,
        sample_count_float=math.nan,
    ),
    Case(
        "integer_negative_count_float",
        NativeHistogram(positive_spans=_spans((0, 1)), positive_deltas=(1,), positive_counts=(5.0,)),
        sample_count=1,
        sample_count_float=-3.0,
    ),
    Case(
        "int32_index_wraps",
        NativeHistogram(positive_spans=_spans((INT32_MAX, 2)), positive_deltas=(1, 0)),
    ),
    Case(
        "int32_offsets_wrap",
        NativeHistogram(
            schema=3,
            positive_spans=_spans((INT32_MIN, 1), (INT32_MAX, 1), (INT32_MAX, 1)),
            positive_deltas=(1, 1, 1),
        ),
    ),
    *(
        Case(
            f"schema_m{-s}",
            NativeHistogram(schema=s, positive_spans=_spans((-2, 5)), positive_deltas=_ones(5)),
        )
        for s in (-5, -8, -10, -53, -62, -63, -64, -65, -100, -(1 << 31) + 1)
    ),
    Case("classic_path_schema_and_zero", NativeHistogram(schema=3, zero_threshold=0.5, zero_count=4), 4),
)
"""Histograms 1.11.0 answers; `classic_path_*` has no span, so 1.11 shows it as a classic histogram."""

DROPPED: tuple[Case, ...] = (
    Case("schema9", NativeHistogram(schema=9, positive_spans=_spans((0, 1)), positive_deltas=(1,))),
    Case("schema9_empty_bucket", NativeHistogram(schema=9, positive_spans=_spans((0, 1)), positive_deltas=(0,))),
    Case("schema_int32_min", NativeHistogram(schema=INT32_MIN, positive_spans=_spans((0, 1)), positive_deltas=(1,))),
    Case("spans_beyond_deltas", NativeHistogram(positive_spans=_spans((0, 5)), positive_deltas=(1, 1)), 2),
    _float("spans_beyond_counts", NativeHistogram(positive_spans=_spans((0, 3)), positive_counts=(1.0,)), 1.0),
    Case("float_without_float_count", NativeHistogram(positive_spans=_spans((0, 2)), positive_counts=(1.0, 2.0))),
)
"""Histograms for which 1.11.0 (Debian) panics in `/api/v1/metrics` and drops the connection."""
