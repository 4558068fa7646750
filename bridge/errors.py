"""Every exception the bridge package raises on purpose.

Hierarchy::

    BridgeError
    ├── ProtocolError            bad input on the wire; the gateway answers 400
    │   ├── ParseError           text format, with the 1-based line number
    │   ├── ProtobufError        delimited protobuf body
    │   │   └── UnsupportedType  a family type that is not one of client_model's six (in bridge.protocol.protobuf)
    │   ├── GroupingKeyError     the /metrics/job/... URL
    │   ├── BodyError            unreadable request body (gzip, size)
    │   └── MalformedRequest     a request path Go cannot parse (400 and the connection closed)
    ├── NativeHistogramError     a stored native histogram cannot be shown as buckets
    │   └── UnsupportedSchema    a listed bucket needs a bound its schema does not define
    ├── ConfigError              bad flags or --web.config.file; the CLI exits non-zero
    ├── PersistenceError         the storage cannot be used, or a commit failed (500; the store reloads)
    │   └── StorageUnavailable   the shared database is down or failing over (503: retry later)
    └── SpoolError               a spool file name or body the bridge cannot use

A push the store refuses is not an exception: the gateway returns a `Verdict`
(`bridge.gateway.service`), which each edge translates (400, or `failed/NAME.error`).
Errors are translated once, at the edge: the HTTP handlers turn them into status codes,
the CLI into a message and an exit status, the spool pipeline into `failed/NAME.error`.
"""

from __future__ import annotations


class BridgeError(Exception):
    """Base class of every error raised on purpose by `bridge`."""


class ProtocolError(BridgeError):
    """Input that does not follow the Pushgateway protocol."""


class ParseError(ProtocolError):
    """A text-format body that expfmt would refuse."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"text format parsing error in line {line}: {message}")
        self.line = line
        self.message = message


class ProtobufError(ProtocolError):
    """A delimited protobuf body that cannot be decoded."""


class GroupingKeyError(ProtocolError):
    """A push or delete URL whose grouping key is invalid."""


class BodyError(ProtocolError):
    """A request body that cannot be read (bad gzip, too large)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class MalformedRequest(ProtocolError):
    """A request path with a bad `%` escape or a control character (Go answers `400 Bad Request` and closes)."""


class ConfigError(BridgeError):
    """Flags or configuration files that cannot be used."""


class PersistenceError(BridgeError):
    """The storage cannot be used (a corrupt, foreign or too new file) or could not commit a write."""


class StorageUnavailable(PersistenceError):
    """The shared database (`--storage.postgres`) cannot take the write now: down, failing over, or too slow.

    Answered 503 (retry later) rather than 500; the message says whether the write was not
    applied or whether its outcome is unknown (the connection was lost during the commit).
    """


class SpoolError(BridgeError):
    """A spool file whose name or content cannot be turned into a push."""


class NativeHistogramError(BridgeError):
    """A stored native histogram that cannot be turned into buckets.

    A push is never refused for it (1.11 stores any native histogram, and protobuf scrapes
    re-emit it as pushed); it is raised only when a view (`/api/v1/metrics`, the TUI) needs
    bucket bounds. `/api/v1/metrics` answers it as a correct 1.11 would, with 1.11's own API
    error: 500, `{"status":"error","errorType":"internal","error":"<message>"}` (1.11.0 drops
    the connection).
    """


class UnsupportedSchema(NativeHistogramError):
    """A schema with no bucket bounds: above 8 (no table row), or the one Go cannot shift by.

    The decision for such a stored histogram: the push is accepted (as in 1.11), protobuf scrapes
    re-emit it, the text format shows its classic part, and `/api/v1/metrics` answers 500 with
    1.11's API error shape for as long as it is stored. That answer is never cached (the other
    groups' JSON still is), so deleting or replacing the histogram ends it at once. Buckets a
    walk cannot reach (spans promising more buckets than there are counts) are not an error:
    they are left out, as upstream 1.11.3's iterator does.
    """

    def __init__(self, schema: int) -> None:
        super().__init__(f"native histogram schema {schema} has no bucket bounds (supported: 8 and below)")
        self.schema = schema
