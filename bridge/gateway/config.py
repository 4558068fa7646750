"""Gateway settings with the Go binary's flag names and defaults, and their derived values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bridge.addresses import split_host_port
from bridge.protocol import durations


def format_duration(seconds: float) -> str:
    """A duration as the Go binary shows its flags in `/api/v1/status` (`5m0s`, `1h0m0s`, `0s`)."""
    return durations.format_go(seconds)


def compute_route_prefix(prefix: str, external_url: str) -> str:
    """main.go's computeRoutePrefix (1.7+): the flag, else the external URL's path; "/" becomes "".

    It only adds a leading slash and removes one trailing slash: `//pfx` and `/pfx//` keep their
    doubled slash, so (as in Go) every route but the telemetry path is unreachable.
    """
    if prefix == "":
        prefix = urlsplit(external_url).path if external_url else ""
    if prefix == "/":
        return ""
    if not prefix.startswith("/"):
        prefix = "/" + prefix
    return prefix.removesuffix("/")


_KV_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)")


def redact_dsn(dsn: str) -> str:
    """A PostgreSQL DSN (URL or key=value) with its password replaced by `***`, for logs and the status page."""
    if not dsn.startswith(("postgres://", "postgresql://")):
        return _KV_PASSWORD.sub(r"\1***", dsn)
    parts = urlsplit(dsn)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hosts = netloc.rpartition("@")
        user, sep, _password = userinfo.partition(":")
        netloc = f"{user}{':***' if sep else ''}@{hosts}"
    query = urlencode(
        [(k, "***" if k == "password" else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)], safe="*"
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


@dataclass(slots=True)
class TTLRule:
    """Extension: groups whose `job` matches `pattern` expire `seconds` after their last push."""

    pattern: str
    seconds: float


@dataclass(slots=True)
class GatewayConfig:
    """Every gateway setting; the field names follow the Go flags."""

    listen_address: str = ":9091"
    telemetry_path: str = "/metrics"
    external_url: str = ""
    route_prefix: str = ""
    enable_lifecycle: bool = False
    enable_admin_api: bool = False
    persistence_file: str = ""
    persistence_interval: float = 300.0
    persistence_fsync: bool = False
    disable_consistency_check: bool = False
    enable_utf8_names: bool = False
    """`--push.enable-utf8-names`: UTF-8 metric and label names in text bodies and in grouping-key URLs."""
    web_config_file: str = ""
    systemd_socket: bool = False
    log_level: str = "info"
    log_format: str = "logfmt"
    max_body_bytes: int = 64 * 1024 * 1024
    max_series_per_push: int = 0
    max_groups: int = 0
    group_ttl: float = 0.0
    ttl_rules: list[TTLRule] = field(default_factory=list)
    storage_postgres: str = ""
    """Extension: the DSN of the PostgreSQL store shared by replicas (empty: not shared)."""
    storage_postgres_password_file: str = ""
    storage_postgres_timeout: float = 5.0
    storage_postgres_replica: str = ""

    @property
    def prefix(self) -> str:
        """The effective route prefix ("" or "/something")."""
        return compute_route_prefix(self.route_prefix, self.external_url)

    def flags(self) -> dict[str, str]:
        """The `/api/v1/status` flags map: every flag as a string, booleans as "true"/"false"."""

        def flag(value: bool) -> str:
            return "true" if value else "false"

        flags = {
            "log.format": self.log_format,
            "log.level": self.log_level,
            "persistence.file": self.persistence_file,
            "persistence.interval": format_duration(self.persistence_interval),
            "persistence.fsync": flag(self.persistence_fsync),
            "push.disable-consistency-check": flag(self.disable_consistency_check),
            "push.enable-utf8-names": flag(self.enable_utf8_names),
            "web.config.file": self.web_config_file,
            "web.enable-admin-api": flag(self.enable_admin_api),
            "web.enable-lifecycle": flag(self.enable_lifecycle),
            "web.external-url": self.external_url,
            "web.listen-address": self.listen_address,
            "web.route-prefix": self.route_prefix,
            "web.systemd-socket": flag(self.systemd_socket),
            "web.telemetry-path": self.telemetry_path,
            "web.max-request-bytes": str(self.max_body_bytes),
            "push.max-series": str(self.max_series_per_push),
            "push.max-groups": str(self.max_groups),
            "push.group-ttl": format_duration(self.group_ttl),
            "storage.postgres": redact_dsn(self.storage_postgres),
            "storage.postgres.password-file": self.storage_postgres_password_file,
            "storage.postgres.timeout": format_duration(self.storage_postgres_timeout),
            "storage.postgres.replica": self.storage_postgres_replica,
        }
        return flags

    def listen_host_port(self) -> tuple[str, int]:
        """Split `--web.listen-address` (`:9091`, `host:port`, `[v6]:port`); no host means every interface.

        Raises:
            ConfigError: not host:port.

        """
        host, port = split_host_port(self.listen_address, flag="--web.listen-address")
        return host or "0.0.0.0", port
