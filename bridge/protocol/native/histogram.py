"""The native part of a client_model `Histogram`: schema, zero bucket, spans and deltas or counts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """`BucketSpan`: `offset` (sint32) buckets after the previous span ends, then `length` (uint32) buckets."""

    offset: int = 0
    length: int = 0


@dataclass(frozen=True, slots=True)
class NativeHistogram:
    """Fields 5-14 of `io.prometheus.client.Histogram`, as pushed (nothing validated, as in 1.11).

    Integer histograms carry `*_deltas` (sint64, each bucket's count minus the previous one's);
    float histograms carry absolute `*_counts`. Both lists may be present; which one is read
    depends on `is_float`, not on which is filled.
    """

    schema: int = 0
    zero_threshold: float = 0.0
    zero_count: int = 0
    zero_count_float: float = 0.0
    negative_spans: tuple[Span, ...] = ()
    negative_deltas: tuple[int, ...] = ()
    negative_counts: tuple[float, ...] = ()
    positive_spans: tuple[Span, ...] = ()
    positive_deltas: tuple[int, ...] = ()
    positive_counts: tuple[float, ...] = ()

    @property
    def is_native(self) -> bool:
        """The 1.10+ rule: at least one span, even a no-op `{0, 0}` (else the histogram is classic)."""
        return bool(self.negative_spans or self.positive_spans)

    def is_float(self, sample_count_float: float) -> bool:
        """1.11's rule, on the histogram's `sample_count_float`: only these two fields decide (NaN is not > 0)."""
        return sample_count_float > 0 or self.zero_count_float > 0
