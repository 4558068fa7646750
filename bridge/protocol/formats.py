"""The media types of the exposition formats: text 0.0.4 and protobuf `MetricFamily` messages, with `escaping=`."""

from __future__ import annotations

from bridge.protocol.names import Escaping

TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""Text format 0.0.4, as pushers send it and `/metrics` answers it by default."""

PROTOBUF_MEDIA_TYPE = "application/vnd.google.protobuf"
PROTOBUF_MESSAGE = "io.prometheus.client.MetricFamily"
"""The `proto=` parameter of a protobuf body: the message each delimited record holds."""

PROTOBUF_DELIMITED_CONTENT_TYPE = f"{PROTOBUF_MEDIA_TYPE}; proto={PROTOBUF_MESSAGE}; encoding=delimited"
"""Varint-delimited `MetricFamily` messages, as Go clients push them."""

PROTOBUF_TEXT_CONTENT_TYPE = f"{PROTOBUF_MEDIA_TYPE}; proto={PROTOBUF_MESSAGE}; encoding=text"
"""The protobuf text format of each family (a scrape format only)."""

PROTOBUF_COMPACT_CONTENT_TYPE = f"{PROTOBUF_MEDIA_TYPE}; proto={PROTOBUF_MESSAGE}; encoding=compact-text"
"""The one-line protobuf text format of each family (a scrape format only)."""

ESCAPING_PARAMETER = "escaping"
"""The media-type parameter that names how a scrape writes non-legacy names (1.8+)."""


def with_escaping(content_type: str, escaping: Escaping) -> str:
    """A scrape's Content-Type as 1.11 answers it: `text/plain; version=0.0.4; charset=utf-8; escaping=underscores`."""
    return f"{content_type}; {ESCAPING_PARAMETER}={escaping.value}"
