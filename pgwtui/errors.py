"""Every exception pgwtui raises on purpose, and the one place that turns them into words.

Hierarchy::

    PgwtuiError
    ├── ConfigError              bad config file, flag or environment value; the CLI exits 2
    ├── ReadOnlyError            a mutation was asked for in --read-only mode (no request is sent)
    ├── GatewayError             talking to a Pushgateway went wrong
    │   ├── GatewayUnreachable   connection refused, DNS, TLS handshake, timeout
    │   ├── GatewayAuthError     401 / 403: credentials missing or wrong
    │   ├── GatewayHTTPError     any other unexpected status (has `.status` and the body)
    │   ├── GatewayProtocolError the answer is not what a Pushgateway >= 1.2 sends
    │   └── ExtensionUnavailable the gateway lacks an extension the action needs
    └── PrometheusError          reading alerts from Prometheus went wrong (the groups keep working)

Errors are translated once, at the edge: the client turns httpx failures into these classes,
and the app's single worker-error router turns any of them into a banner or a notification via
`describe`. Nothing else reaches the screen, least of all a traceback.
"""

from __future__ import annotations


class PgwtuiError(Exception):
    """Base class of every error raised on purpose by `pgwtui`."""


class ConfigError(PgwtuiError):
    """A config file, flag or environment value that cannot be used."""


class ReadOnlyError(PgwtuiError):
    """A mutation was requested while the app runs with --read-only."""


class GatewayError(PgwtuiError):
    """Talking to a Pushgateway failed."""


class GatewayUnreachable(GatewayError):
    """The gateway could not be reached at all (connect, TLS, timeout)."""


class GatewayAuthError(GatewayError):
    """The gateway refused our credentials (401) or our permissions (403)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class GatewayHTTPError(GatewayError):
    """The gateway answered with a status the action did not expect."""

    def __init__(self, status: int, message: str, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class GatewayProtocolError(GatewayError):
    """The gateway's answer does not look like a Pushgateway's (>= 1.2)."""


class ExtensionUnavailable(GatewayError):
    """The gateway does not offer the extension an action needs."""


class PrometheusError(PgwtuiError):
    """Reading alerts from Prometheus failed (unreachable, refused, or not Prometheus)."""


def describe(error: BaseException) -> str:
    """One line a user can act on, for any error (ours get their message; others their type)."""
    if isinstance(error, PgwtuiError):
        return str(error) or type(error).__name__
    text = str(error).strip().splitlines()
    detail = f": {text[0]}" if text else ""
    return f"unexpected {type(error).__name__}{detail} (this is a bug in pgwtui; please report it)"
