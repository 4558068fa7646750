"""Every exception the bridge package raises on purpose.

Hierarchy::

    BridgeError
    ├── ProtocolError            bad input on the wire; the gateway answers 400
    │   ├── ParseError           text format, with the 1-based line number
    │   ├── ProtobufError        delimited protobuf body
    │   ├── GroupingKeyError     the /metrics/job/... URL
    │   └── BodyError            unreadable request body (gzip, size)
    ├── InconsistentPush         the store refused a parsed push (400, failure recorded)
    ├── ConfigError              bad flags or --web.config.file; the CLI exits non-zero
    ├── PersistenceError         the --persistence.file cannot be used
    └── SpoolError               a spool file name or body the bridge cannot use

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


class InconsistentPush(BridgeError):
    """A parsed push that would make the store inconsistent, or carries timestamps."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        if len(errors) == 1:
            text = errors[0]
        else:
            text = f"{len(errors)} error(s) occurred:\n" + "\n".join(f"* {e}" for e in errors)
        super().__init__(text)


class ConfigError(BridgeError):
    """Flags or configuration files that cannot be used."""


class PersistenceError(BridgeError):
    """The persistence file is corrupt, foreign, too new, or unwritable."""


class SpoolError(BridgeError):
    """A spool file whose name or content cannot be turned into a push."""
