"""Where a server is and who answers there, as plain values (pure: the config builds them, the clients read them).

`Connection` says how to reach a gateway (or the Prometheus whose alerts are shown) and how to
authenticate; `Extensions` and `GatewayInfo` say what the gateway told us about itself. They
live apart from the httpx client so the config, the app state, the messages and `pgwtui rules`
can use them without loading an HTTP stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from pgwtui.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Connection:
    """Where a server (a gateway, or Prometheus for alerts) is and how to authenticate to it."""

    url: str
    username: str | None = None
    password: str | None = None
    token: str | None = None
    ca_file: str | None = None
    insecure: bool = False
    timeout: float = 10.0

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"URL must look like http://host:port, got {self.url!r}")
        if self.token and (self.username or self.password):
            raise ConfigError("use either basic auth (username/password) or a bearer token, not both")
        if self.password and not self.username:
            raise ConfigError("a password was given without a username")


@dataclass(frozen=True, slots=True)
class Extensions:
    """What `GET /api/v1/extensions` says the gateway offers beyond the Pushgateway API."""

    implementation: str = "prometheus/pushgateway"
    version: str = ""
    family_delete: bool = False
    replica: str = ""
    """The replica that answered, when several share one store ("": not replicated)."""
    storage: str = ""
    """Its storage: memory, sqlite, postgres ("": not said)."""
    storage_up: bool = True


@dataclass(frozen=True, slots=True)
class GatewayInfo:
    """Who answers: version and UTF-8 names (`--push.enable-utf8-names`) from `/api/v1/status`, and the extensions."""

    version: str
    extensions: Extensions
    utf8_names: bool = False

    def identity(self) -> str:
        """`Pushgateway 1.5.1` or `pgw-bridge 0.1.0 +family delete`: the title bar and the help page."""
        ext = self.extensions
        if ext.implementation != "prometheus/pushgateway":
            extra = " +family delete" if ext.family_delete else ""
            return f"{ext.implementation} {ext.version or self.version}{extra}".strip()
        return f"Pushgateway {self.version or '(version unknown)'}"

    def where(self) -> str:
        """`replica r1 · postgres up` for a replica of a shared store ("" otherwise): the title bar."""
        ext = self.extensions
        if not ext.replica:
            return ""
        state = "up" if ext.storage_up else "DOWN (writes refused)"
        return f"replica {ext.replica} · {ext.storage or 'storage'} {state}"
