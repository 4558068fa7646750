"""Every exception the native-histogram package raises on purpose.

Hierarchy::

    BridgeError                  (bridge.errors)
    └── NativeHistogramError     a stored native histogram cannot be shown
        └── UnsupportedSchema    a listed bucket needs a bound its schema does not define

A push is never refused for these (1.11 stores any native histogram, and protobuf scrapes
re-emit it as pushed); they are raised only when a view (`/api/v1/metrics`, the TUI) needs bucket
bounds. `/api/v1/metrics` answers them as a correct 1.11 would, with 1.11's own API error:
500, `{"status":"error","errorType":"internal","error":"<message>"}` (1.11.0 drops the connection).
"""

from __future__ import annotations

from bridge.errors import BridgeError


class NativeHistogramError(BridgeError):
    """A stored native histogram that cannot be turned into buckets."""


class UnsupportedSchema(NativeHistogramError):
    """A schema with no bucket bounds: above 8 (no table row), or the one Go cannot shift by."""

    def __init__(self, schema: int) -> None:
        super().__init__(f"native histogram schema {schema} has no bucket bounds (supported: 8 and below)")
        self.schema = schema
