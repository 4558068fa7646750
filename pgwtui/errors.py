"""Every exception pgwtui raises on purpose, and the one place that turns errors into words.

Hierarchy::

    PgwtuiError
    ├── ConfigError              bad config file, flag or environment value; the CLI exits 2
    ├── ReadOnlyError            a mutation was asked for in --read-only mode (no request is sent)
    ├── RepushError              a group cannot be re-pushed without one family (the text format cannot carry it)
    ├── GatewayError             talking to a Pushgateway went wrong
    │   ├── GatewayUnreachable   connection refused, DNS, TLS handshake, timeout
    │   ├── GatewayAuthError     401 / 403: credentials missing or wrong
    │   ├── GatewayHTTPError     any other unexpected status (has `.status` and the body)
    │   ├── GatewayProtocolError the answer is not what a Pushgateway >= 1.2 sends
    │   └── ExtensionUnavailable the gateway lacks an extension the action needs
    └── PrometheusError          reading alerts or history from Prometheus went wrong (the groups keep working);
                                 `.short` says it in a word or two, for the one cell the cadence column has

Errors are translated once, at the edge: the HTTP clients turn httpx failures into these classes
(`transport_reason` finds the words for a failed connection), and the app's single worker-error
router turns any error into a banner or a notification via `user_message`. Nothing else reaches
the screen, least of all a traceback.
"""

from __future__ import annotations

import socket
import ssl


class PgwtuiError(Exception):
    """Base class of every error raised on purpose by `pgwtui`."""


class ConfigError(PgwtuiError):
    """A config file, flag or environment value that cannot be used."""


class ReadOnlyError(PgwtuiError):
    """A mutation was requested while the app runs with --read-only."""


class RepushError(PgwtuiError):
    """The group holds something the text format cannot carry back faithfully."""


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
    """Reading from Prometheus failed (unreachable, refused, too slow, or not Prometheus)."""

    def __init__(self, message: str, short: str = "failed") -> None:
        super().__init__(message)
        self.short = short
        """`unreachable`, `timed out`, `refused 401`, `HTTP 503`, `bad answer`: the reason in a narrow column."""


def user_message(error: BaseException) -> str:
    """One line a user can act on, for any error (ours get their message; others their type)."""
    if isinstance(error, PgwtuiError):
        return str(error) or type(error).__name__
    text = str(error).strip().splitlines()
    detail = f": {text[0]}" if text else ""
    return f"unexpected {type(error).__name__}{detail} (this is a bug in pgwtui; please report it)"


def transport_reason(exc: BaseException, *, peer: str, tls_hint: str = "") -> str:
    """Why a connection failed, in the few words a user can act on (refused, unknown host, TLS).

    Walks the cause chain of an httpx transport error to the OS or TLS error underneath.

    Args:
        exc: the error httpx raised.
        peer: what we tried to reach, for the hint ("the gateway", "Prometheus").
        tls_hint: appended to a TLS verification failure (how to fix it).

    """
    refused = f"connection refused (is {peer} running, and is this its port?)"
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError):
            return refused
        if isinstance(seen, socket.gaierror):
            return f"unknown host ({seen.strerror})"
        if isinstance(seen, ssl.SSLCertVerificationError):
            return f"TLS certificate not trusted ({seen.verify_message}){tls_hint}"
        seen = seen.__cause__ or seen.__context__
    text = str(exc).strip() or type(exc).__name__
    if "connection refused" in text.lower():
        return refused
    return text.splitlines()[0]
