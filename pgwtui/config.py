"""Settings from the TOML config file, the environment and the command line, in that order of strength.

Precedence (strongest first): command-line flags, `PGWTUI_*` environment variables, the config
file (`--config FILE`, else `$XDG_CONFIG_HOME/pgwtui/config.toml`, else
`~/.config/pgwtui/config.toml`). With no URL anywhere, `connection` is None and the entry point
starts the embedded demo gateway. The file format is documented in docs/tui.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pgwtui.config_file import as_table, check_known, optional_str, read_config
from pgwtui.connection import Connection
from pgwtui.durations import parse_duration
from pgwtui.errors import ConfigError
from pgwtui.rules.names import AlertOptions
from pgwtui.staleness import StalenessPolicy

DEFAULT_REFRESH = 5.0
_GATEWAY_KEYS = {
    "url", "username", "password", "password_env", "token", "token_env", "ca_file", "insecure", "timeout", "read_only",
    "prometheus",
}  # fmt: skip
_PROMETHEUS_KEYS = _GATEWAY_KEYS - {"read_only", "prometheus"}


@dataclass(frozen=True, slots=True)
class Overrides:
    """What the command line and the environment say (None: not given)."""

    url: str | None = None
    config: Path | None = None
    gateway: str | None = None
    username: str | None = None
    password: str | None = None
    token: str | None = None
    ca_file: str | None = None
    insecure: bool = False
    read_only: bool = False
    refresh_interval: float | None = None
    prometheus: str | None = None
    prometheus_ca_file: str | None = None
    prometheus_insecure: bool = False


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the app needs to start."""

    connection: Connection | None
    read_only: bool = False
    refresh_interval: float = DEFAULT_REFRESH
    policy: StalenessPolicy = field(default_factory=StalenessPolicy)
    config_path: Path | None = None
    gateway_name: str | None = None
    prometheus: Connection | None = None
    """The Prometheus whose alerts are shown on the groups (None: no alerts)."""
    alert_options: AlertOptions = field(default_factory=AlertOptions)


def check_prometheus_url(url: str, label: str) -> str:
    """Return a Prometheus base URL without its trailing slash.

    Raises:
        ConfigError: not an http(s) URL.

    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{label}: Prometheus URL must look like http://prometheus:9090, got {url!r}")
    return url.rstrip("/")


def resolve(overrides: Overrides, env: Mapping[str, str]) -> Settings:
    """Combine flags, environment and config file into Settings.

    Raises:
        ConfigError: anything unusable, with the file and key in the message.

    """
    config = read_config(overrides.config, env)
    document, where = config.document, config.where
    refresh = overrides.refresh_interval
    if refresh is None:
        refresh = parse_duration(document.get("refresh_interval", DEFAULT_REFRESH), what=f"{where}: refresh_interval")
    if refresh and refresh < 0.5:
        raise ConfigError(f"refresh interval must be at least 0.5s (or 0 to disable), got {refresh:g}s")
    read_only = overrides.read_only or document.get("read_only") is True
    choice = _choose_gateway(overrides, env, document, where)
    prometheus = _prometheus(overrides, env, choice.table, document, where, choice.label)
    settings = Settings(None, read_only, refresh, config.policy, config.path, None, prometheus, config.alert_options)

    url = choice.explicit_url or optional_str(choice.table.get("url"), f"{choice.label}: url")
    if not url:
        if choice.several and choice.name is None:
            raise ConfigError(f'{where}: several gateways configured; pick one with --gateway or `gateway = "…"`')
        if choice.name is not None:
            raise ConfigError(f"{choice.label}: `url` is required")
        return settings
    try:
        connection = _gateway_connection(overrides, env, choice.table, url, choice.label)
    except ConfigError as exc:
        raise ConfigError(f"gateway: {exc}") from None
    return replace(
        settings,
        connection=connection,
        read_only=read_only or choice.table.get("read_only") is True,
        gateway_name=choice.name,
    )


@dataclass(frozen=True, slots=True)
class _GatewayChoice:
    """Which `[gateways.NAME]` table applies (if any), and the URL the flags or the environment give."""

    name: str | None
    table: Mapping[str, Any]
    label: str
    explicit_url: str | None
    several: bool
    """More than one gateway table is configured."""


def _choose_gateway(
    overrides: Overrides, env: Mapping[str, str], document: Mapping[str, Any], where: str
) -> _GatewayChoice:
    """`--gateway NAME`; else, with no URL from the flags or the environment, `gateway = "NAME"` or the only table.

    Raises:
        ConfigError: `[gateways]` is not a table, names an unknown table, or a table has unknown keys.

    """
    gateways = as_table(document.get("gateways", {}), f"{where}: [gateways]")
    explicit_url = overrides.url or env.get("PGWTUI_URL") or None
    name = overrides.gateway
    if name is None and explicit_url is None:
        name = optional_str(document.get("gateway"), f"{where}: gateway")
        if name is None and len(gateways) == 1:
            name = next(iter(gateways))
    table: dict[str, Any] = {}
    if name is not None:
        # A gateway table's credentials are only ever sent to that table's URL, unless the user
        # names the table explicitly (--gateway) and overrides its URL.
        if name not in gateways:
            known = ", ".join(sorted(gateways)) or "none"
            raise ConfigError(f"{where}: no [gateways.{name}] table (known: {known})")
        table = as_table(gateways[name], f"{where}: [gateways.{name}]")
    label = f"{where}: [gateways.{name}]"
    check_known(table, _GATEWAY_KEYS, label)
    return _GatewayChoice(name, table, label, explicit_url, len(gateways) > 1)


def _gateway_connection(
    overrides: Overrides, env: Mapping[str, str], gateway: Mapping[str, Any], url: str, label: str
) -> Connection:
    return Connection(
        url=url,
        username=overrides.username or env.get("PGWTUI_USERNAME") or optional_str(gateway.get("username"), label),
        password=overrides.password or env.get("PGWTUI_PASSWORD") or _secret(gateway, "password", env, label),
        token=overrides.token or env.get("PGWTUI_TOKEN") or _secret(gateway, "token", env, label),
        ca_file=overrides.ca_file or optional_str(gateway.get("ca_file"), label),
        insecure=overrides.insecure or gateway.get("insecure") is True,
        timeout=parse_duration(gateway.get("timeout", 10.0), what=f"{label}: timeout") or 10.0,
    )


def _prometheus(
    overrides: Overrides,
    env: Mapping[str, str],
    gateway: Mapping[str, Any],
    document: Mapping[str, Any],
    where: str,
    label: str,
) -> Connection | None:
    """`--prometheus`, else `PGWTUI_PROMETHEUS`, else the gateway table's, else the top-level `prometheus`.

    `prometheus` is a URL or a table (url, basic auth or token, ca_file, insecure, timeout). A
    table's credentials only ever go to its own URL: a URL from the flag or the environment takes
    credentials from `PGWTUI_PROMETHEUS_USERNAME` / `_PASSWORD` / `_TOKEN` only.
    """
    url: str | None = None
    table: dict[str, Any] = {}
    what = ""
    for value, source in (
        (overrides.prometheus, "--prometheus"),
        (env.get("PGWTUI_PROMETHEUS") or None, "PGWTUI_PROMETHEUS"),
    ):
        if value:
            url, what = check_prometheus_url(value, source), source
            break
    else:
        for raw, source in (
            (gateway.get("prometheus"), f"{label}: prometheus"),
            (document.get("prometheus"), f"{where}: prometheus"),
        ):
            if raw is None or raw == "":
                continue
            if isinstance(raw, dict):
                table = raw
                check_known(table, _PROMETHEUS_KEYS, source)
                raw = table.get("url")
                if not raw:
                    raise ConfigError(f"{source}: `url` is required")
            url, what = check_prometheus_url(optional_str(raw, source) or "", source), source
            break
    if url is None:
        return None
    try:
        return Connection(
            url=url,
            username=env.get("PGWTUI_PROMETHEUS_USERNAME") or optional_str(table.get("username"), what),
            password=env.get("PGWTUI_PROMETHEUS_PASSWORD") or _secret(table, "password", env, what),
            token=env.get("PGWTUI_PROMETHEUS_TOKEN") or _secret(table, "token", env, what),
            ca_file=overrides.prometheus_ca_file or optional_str(table.get("ca_file"), what),
            insecure=overrides.prometheus_insecure or table.get("insecure") is True,
            timeout=parse_duration(table.get("timeout", 10.0), what=f"{what}: timeout") or 10.0,
        )
    except ConfigError as exc:
        raise ConfigError(f"{what}: {exc}") from None


def _secret(table: Mapping[str, Any], key: str, env: Mapping[str, str], label: str) -> str | None:
    """`key = "…"` or `key_env = "VAR"` (read from the environment, so the file holds no secret)."""
    direct = optional_str(table.get(key), f"{label}: {key}")
    variable = optional_str(table.get(f"{key}_env"), f"{label}: {key}_env")
    if direct and variable:
        raise ConfigError(f"{label}: give {key} or {key}_env, not both")
    if variable:
        value = env.get(variable)
        if value is None:
            raise ConfigError(f"{label}: {key}_env names ${variable}, which is not set")
        return value
    return direct
