"""The media types of the exposition formats: text 0.0.4 and delimited protobuf `MetricFamily` messages."""

from __future__ import annotations

TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""Text format 0.0.4, as pushers send it and `/metrics` answers it by default."""

PROTOBUF_MEDIA_TYPE = "application/vnd.google.protobuf"
PROTOBUF_MESSAGE = "io.prometheus.client.MetricFamily"
"""The `proto=` parameter of a protobuf body: the message each delimited record holds."""

PROTOBUF_DELIMITED_CONTENT_TYPE = f"{PROTOBUF_MEDIA_TYPE}; proto={PROTOBUF_MESSAGE}; encoding=delimited"
"""Varint-delimited `MetricFamily` messages, as Go clients push them."""
