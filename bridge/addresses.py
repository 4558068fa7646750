"""Listen addresses (`:9091`, `host:9091`, `[::1]:9091`), read as Go's `net.SplitHostPort` reads them.

One grammar for `--web.listen-address` and `--metrics-listen`, so both accept exactly what the
Go binaries accept. Pure: no sockets are opened here.
"""

from __future__ import annotations

from bridge.errors import ConfigError


def split_host_port(address: str, *, flag: str) -> tuple[str, int]:
    """Split a listen address into host and port.

    A host holding colons (IPv6) must be in brackets, which are dropped; an unbalanced bracket,
    a missing port or an unbracketed IPv6 host is refused, as Go refuses them. The host is ""
    when the address gives none (every interface). The port must be a number.

    Args:
        address: the flag's value.
        flag: the flag's name, for the message.

    Raises:
        ConfigError: not `[host]:port`.

    """
    bad = ConfigError(f"invalid {flag} {address!r}: expected [host]:port")
    colon = address.rfind(":")
    if colon < 0:
        raise bad
    if address.startswith("["):
        close = address.find("]")
        if close + 1 != colon:
            raise bad  # no "]", or not right before the last ":" (no port, or too many colons)
        host = address[1:close]
    else:
        host = address[:colon]
        if ":" in host:
            raise bad  # an IPv6 host without brackets: Go's "too many colons"
    port = address[colon + 1 :]
    if "[" in host or "]" in host or not (port.isascii() and port.isdigit()):
        raise bad
    return host, int(port)
