"""Settings from the TOML config file, the environment and the command line, in that order of strength.

Precedence (strongest first): command-line flags, `PGWTUI_*` environment variables, the config
file (`--config FILE`, else `$XDG_CONFIG_HOME/pgwtui/config.toml`, else
`~/.config/pgwtui/config.toml`). With no URL anywhere, `connection` is None and the entry point
starts the embedded demo gateway. The file format is documented in docs/tui.md.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bridge.protocol.grouping import is_label_name
from pgwtui.connection import Connection
from pgwtui.durations import parse_duration
from pgwtui.errors import ConfigError
from pgwtui.rules.names import AlertOptions
from pgwtui.staleness import DEFAULT_MAX_AGE, StalenessPolicy, StalenessRule

DEFAULT_REFRESH = 5.0
_TOP_KEYS = {"refresh_interval", "read_only", "gateway", "gateways", "staleness", "prometheus", "alerts"}
_GATEWAY_KEYS = {
    "url", "username", "password", "password_env", "token", "token_env", "ca_file", "insecure", "timeout", "read_only",
    "prometheus",
}  # fmt: skip
_PROMETHEUS_KEYS = _GATEWAY_KEYS - {"read_only", "prometheus"}
_STALENESS_KEYS = {"default_max_age", "rules"}
_RULE_KEYS = {"job", "max_age"}
_ALERT_KEYS = {
    "for", "severity", "labels", "rejected_pushes_window", "bridge_backlog_max_age", "bridge_quarantine_window",
    "runbook_url",
}  # fmt: skip


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


def default_config_path(env: Mapping[str, str]) -> Path:
    """`$XDG_CONFIG_HOME/pgwtui/config.toml`, falling back to `~/.config/pgwtui/config.toml`."""
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "pgwtui" / "config.toml"


def load_file(path: Path) -> dict[str, Any]:
    """Parse a TOML file.

    Raises:
        ConfigError: unreadable or invalid TOML.

    """
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def parse_policy(document: Mapping[str, Any], where: str = "config") -> StalenessPolicy:
    """Read the `[staleness]` table as a policy.

    Raises:
        ConfigError: unknown keys, bad durations or bad regexes.

    """
    table = _table(document.get("staleness", {}), f"{where}: [staleness]")
    _known(table, _STALENESS_KEYS, f"{where}: [staleness]")
    default = parse_duration(table.get("default_max_age", DEFAULT_MAX_AGE), what=f"{where}: default_max_age")
    rules: list[StalenessRule] = []
    raw_rules = table.get("rules", [])
    if not isinstance(raw_rules, list):
        raise ConfigError(f"{where}: staleness.rules must be an array of tables ([[staleness.rules]])")
    for index, raw in enumerate(raw_rules, 1):
        label = f"{where}: staleness rule #{index}"
        rule = _table(raw, label)
        _known(rule, _RULE_KEYS, label)
        job = rule.get("job")
        if not isinstance(job, str) or not job:
            raise ConfigError(f"{label}: `job` must be a non-empty regex string")
        if "max_age" not in rule:
            raise ConfigError(f"{label}: `max_age` is required (0 means never stale)")
        try:
            rules.append(StalenessRule(job, parse_duration(rule["max_age"], what=f"{label}: max_age")))
        except re.error as exc:
            raise ConfigError(f"{label}: invalid regex {job!r}: {exc}") from None
    return StalenessPolicy(default, tuple(rules))


def parse_alert_options(document: Mapping[str, Any], where: str = "config") -> AlertOptions:
    """Read the `[alerts]` table (what `pgwtui rules` puts around the staleness rules).

    Raises:
        ConfigError: unknown keys, bad durations, bad label names.

    """
    label = f"{where}: [alerts]"
    table = _table(document.get("alerts", {}), label)
    _known(table, _ALERT_KEYS, label)
    defaults = AlertOptions()

    def duration(key: str, default: float, *, positive: bool = True) -> float:
        value = parse_duration(table.get(key, default), what=f"{label}: {key}")
        if positive and value <= 0:
            raise ConfigError(f"{label}: {key} must be longer than 0")
        return value

    severity = _opt_str(table.get("severity"), f"{label}: severity") or defaults.severity
    extra = _table(table.get("labels", {}), f"{label}: labels")
    pairs: list[tuple[str, str]] = []
    for name, value in extra.items():
        if not is_label_name(name) or name.startswith("__") or name in ("alertname", "severity"):
            raise ConfigError(f"{label}: labels: {name!r} cannot be an alert label (severity has its own key)")
        if not isinstance(value, str):
            raise ConfigError(f"{label}: labels: {name} must be a string, got {value!r}")
        pairs.append((name, value))
    return AlertOptions(
        hold=duration("for", defaults.hold, positive=False),
        severity=severity,
        labels=tuple(pairs),
        rejected_pushes_window=duration("rejected_pushes_window", defaults.rejected_pushes_window),
        bridge_backlog_max_age=duration("bridge_backlog_max_age", defaults.bridge_backlog_max_age),
        bridge_quarantine_window=duration("bridge_quarantine_window", defaults.bridge_quarantine_window),
        runbook_url=_opt_str(table.get("runbook_url"), f"{label}: runbook_url"),
    )


@dataclass(frozen=True, slots=True)
class ConfigFile:
    """The config file in use (if any), as a document, with the two tables both commands read already parsed."""

    path: Path | None
    document: Mapping[str, Any]
    where: str
    """How messages name the file (its path, or `config` when there is none)."""
    policy: StalenessPolicy
    alert_options: AlertOptions


def read_config(path: Path | None, env: Mapping[str, str]) -> ConfigFile:
    """Read `path`, else the default config file if it exists, else nothing (the built-in defaults).

    Raises:
        ConfigError: unreadable or invalid config, unknown top-level keys, bad `[staleness]` or `[alerts]`.

    """
    if path is None:
        candidate = default_config_path(env)
        path = candidate if candidate.is_file() else None
    document: dict[str, Any] = load_file(path) if path is not None else {}
    where = str(path) if path is not None else "config"
    _known(document, _TOP_KEYS, where)
    return ConfigFile(path, document, where, parse_policy(document, where), parse_alert_options(document, where))


def rules_inputs(config: Path | None, env: Mapping[str, str]) -> tuple[StalenessPolicy, AlertOptions, str]:
    """The policy, the alert options and a description of their source, for `pgwtui rules`.

    `config` None: the default config file if it exists, else the built-in defaults.

    Raises:
        ConfigError: unreadable or invalid config.

    """
    read = read_config(config, env)
    source = read.where if read.path is not None else "the built-in defaults (no config file)"
    return read.policy, read.alert_options, source


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

    url = choice.explicit_url or _opt_str(choice.table.get("url"), f"{choice.label}: url")
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
    gateways = _table(document.get("gateways", {}), f"{where}: [gateways]")
    explicit_url = overrides.url or env.get("PGWTUI_URL") or None
    name = overrides.gateway
    if name is None and explicit_url is None:
        name = _opt_str(document.get("gateway"), f"{where}: gateway")
        if name is None and len(gateways) == 1:
            name = next(iter(gateways))
    table: dict[str, Any] = {}
    if name is not None:
        # A gateway table's credentials are only ever sent to that table's URL, unless the user
        # names the table explicitly (--gateway) and overrides its URL.
        if name not in gateways:
            known = ", ".join(sorted(gateways)) or "none"
            raise ConfigError(f"{where}: no [gateways.{name}] table (known: {known})")
        table = _table(gateways[name], f"{where}: [gateways.{name}]")
    label = f"{where}: [gateways.{name}]"
    _known(table, _GATEWAY_KEYS, label)
    return _GatewayChoice(name, table, label, explicit_url, len(gateways) > 1)


def _gateway_connection(
    overrides: Overrides, env: Mapping[str, str], gateway: Mapping[str, Any], url: str, label: str
) -> Connection:
    return Connection(
        url=url,
        username=overrides.username or env.get("PGWTUI_USERNAME") or _opt_str(gateway.get("username"), label),
        password=overrides.password or env.get("PGWTUI_PASSWORD") or _secret(gateway, "password", env, label),
        token=overrides.token or env.get("PGWTUI_TOKEN") or _secret(gateway, "token", env, label),
        ca_file=overrides.ca_file or _opt_str(gateway.get("ca_file"), label),
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
                _known(table, _PROMETHEUS_KEYS, source)
                raw = table.get("url")
                if not raw:
                    raise ConfigError(f"{source}: `url` is required")
            url, what = check_prometheus_url(_opt_str(raw, source) or "", source), source
            break
    if url is None:
        return None
    try:
        return Connection(
            url=url,
            username=env.get("PGWTUI_PROMETHEUS_USERNAME") or _opt_str(table.get("username"), what),
            password=env.get("PGWTUI_PROMETHEUS_PASSWORD") or _secret(table, "password", env, what),
            token=env.get("PGWTUI_PROMETHEUS_TOKEN") or _secret(table, "token", env, what),
            ca_file=overrides.prometheus_ca_file or _opt_str(table.get("ca_file"), what),
            insecure=overrides.prometheus_insecure or table.get("insecure") is True,
            timeout=parse_duration(table.get("timeout", 10.0), what=f"{what}: timeout") or 10.0,
        )
    except ConfigError as exc:
        raise ConfigError(f"{what}: {exc}") from None


def _secret(table: Mapping[str, Any], key: str, env: Mapping[str, str], label: str) -> str | None:
    """`key = "…"` or `key_env = "VAR"` (read from the environment, so the file holds no secret)."""
    direct = _opt_str(table.get(key), f"{label}: {key}")
    variable = _opt_str(table.get(f"{key}_env"), f"{label}: {key}_env")
    if direct and variable:
        raise ConfigError(f"{label}: give {key} or {key}_env, not both")
    if variable:
        value = env.get(variable)
        if value is None:
            raise ConfigError(f"{label}: {key}_env names ${variable}, which is not set")
        return value
    return direct


def _table(value: object, label: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{label} must be a table")
    return value


def _known(table: Mapping[str, Any], keys: set[str], label: str) -> None:
    unknown = sorted(set(table) - keys)
    if unknown:
        raise ConfigError(f"{label}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(keys))})")


def _opt_str(value: object, label: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{label}: expected a string, got {value!r}")
    return value


def environment() -> Mapping[str, str]:
    """Return the process environment (a seam for tests)."""
    return os.environ
