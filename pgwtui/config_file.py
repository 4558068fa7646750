"""The config file: where it is, reading it, and the two tables both the TUI and `pgwtui rules` read.

`[staleness]` becomes a StalenessPolicy, `[alerts]` the AlertOptions of the rule file; the rest
of the file (gateways, Prometheus, refresh) is `pgwtui.config`'s. Every message names the file
and the key. The file format is documented in docs/tui.md.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridge.protocol.grouping import is_grouping_label_name
from pgwtui.durations import parse_duration
from pgwtui.errors import ConfigError
from pgwtui.rules.names import AlertOptions
from pgwtui.staleness import DEFAULT_MAX_AGE, StalenessPolicy, StalenessRule

TOP_KEYS = {"refresh_interval", "read_only", "gateway", "gateways", "staleness", "prometheus", "alerts"}
"""Every top-level key; each but `staleness` and `alerts` is read by `pgwtui.config`."""
_STALENESS_KEYS = {"default_max_age", "rules"}
_RULE_KEYS = {"job", "max_age"}
_ALERT_KEYS = {
    "for", "severity", "labels", "rejected_pushes_window", "bridge_backlog_max_age", "bridge_quarantine_window",
    "runbook_url",
}  # fmt: skip


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
    table = as_table(document.get("staleness", {}), f"{where}: [staleness]")
    check_known(table, _STALENESS_KEYS, f"{where}: [staleness]")
    default = parse_duration(table.get("default_max_age", DEFAULT_MAX_AGE), what=f"{where}: default_max_age")
    rules: list[StalenessRule] = []
    raw_rules = table.get("rules", [])
    if not isinstance(raw_rules, list):
        raise ConfigError(f"{where}: staleness.rules must be an array of tables ([[staleness.rules]])")
    for index, raw in enumerate(raw_rules, 1):
        label = f"{where}: staleness rule #{index}"
        rule = as_table(raw, label)
        check_known(rule, _RULE_KEYS, label)
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
    table = as_table(document.get("alerts", {}), label)
    check_known(table, _ALERT_KEYS, label)
    defaults = AlertOptions()

    def duration(key: str, default: float, *, positive: bool = True) -> float:
        value = parse_duration(table.get(key, default), what=f"{label}: {key}")
        if positive and value <= 0:
            raise ConfigError(f"{label}: {key} must be longer than 0")
        return value

    severity = optional_str(table.get("severity"), f"{label}: severity") or defaults.severity
    extra = as_table(table.get("labels", {}), f"{label}: labels")
    pairs: list[tuple[str, str]] = []
    for name, value in extra.items():
        if not is_grouping_label_name(name) or name in ("alertname", "severity"):
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
        runbook_url=optional_str(table.get("runbook_url"), f"{label}: runbook_url"),
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
    check_known(document, TOP_KEYS, where)
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


def as_table(value: object, label: str) -> dict[str, Any]:
    """`value` as a TOML table.

    Raises:
        ConfigError: it is not one.

    """
    if not isinstance(value, dict):
        raise ConfigError(f"{label} must be a table")
    return value


def check_known(table: Mapping[str, Any], keys: set[str], label: str) -> None:
    """Refuse keys not in `keys` (a typo must not be silently ignored).

    Raises:
        ConfigError: listing the unknown and the known keys.

    """
    unknown = sorted(set(table) - keys)
    if unknown:
        raise ConfigError(f"{label}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(keys))})")


def optional_str(value: object, label: str) -> str | None:
    """`value` if it is a string, None if absent.

    Raises:
        ConfigError: anything else.

    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{label}: expected a string, got {value!r}")
    return value


def environment() -> Mapping[str, str]:
    """Return the process environment (a seam for tests)."""
    return os.environ
