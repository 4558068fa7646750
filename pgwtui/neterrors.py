"""Turn an httpx transport error into the few words a user can act on (refused, unknown host, TLS)."""

from __future__ import annotations

import socket
import ssl


def describe(exc: BaseException, *, peer: str, tls_hint: str = "") -> str:
    """The most useful words in an httpx error's cause chain.

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
