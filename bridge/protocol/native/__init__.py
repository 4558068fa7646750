"""Native histograms (client_model's schema, zero bucket and spans): bucket walk, bounds, 1.11's views.

Modules::

    histogram  NativeHistogram and Span: schema, zero bucket, spans, and deltas or counts
    buckets    the buckets in order, running counts, and the views 1.11 builds (API list, UI string)
    bounds     Prometheus's exponential bucket bounds, rebuilt by formula, and getBound's index rules
"""

from __future__ import annotations

from bridge.protocol.native.bounds import EXPONENTIAL_BOUNDS, bucket_bound, schema_of
from bridge.protocol.native.buckets import (
    Bucket,
    api_buckets,
    api_count,
    buckets,
    describe,
    running_counts,
    walk,
)
from bridge.protocol.native.histogram import NativeHistogram, Span

__all__ = [
    "EXPONENTIAL_BOUNDS",
    "Bucket",
    "NativeHistogram",
    "Span",
    "api_buckets",
    "api_count",
    "bucket_bound",
    "buckets",
    "describe",
    "running_counts",
    "schema_of",
    "walk",
]
