"""Who may reach `pgwtui web`, and what it runs (pure): loopback or authenticated, read-only unless told otherwise."""

from __future__ import annotations

import argparse
import ipaddress
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from pgwtui.errors import ConfigError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
SECRETS = {"--password": "PGWTUI_PASSWORD", "--token": "PGWTUI_TOKEN"}
"""Flags whose values go to the app processes in their environment, never on a command line (`ps`)."""


@dataclass(frozen=True, slots=True)
class WebOptions:
    """The flags of `pgwtui web` itself; every other argument is the app's."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    web_config: str | None = None
    allow_delete: bool = False


def web_parser() -> argparse.ArgumentParser:
    """The flags `pgwtui web` adds to the usual ones."""
    p = argparse.ArgumentParser(
        prog="pgwtui web",
        description=(
            "Serve pgwtui in a browser (textual-serve). Read-only unless --allow-delete; any address "
            "but loopback needs --web.config.file with basic_auth_users. Every other argument is pgwtui's."
        ),
        add_help=False,
    )
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on ({DEFAULT_HOST})")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on ({DEFAULT_PORT})")
    p.add_argument(
        "--web.config.file",
        dest="web_config",
        metavar="FILE",
        help="the gateway's web config format: bcrypt basic_auth_users, tls_server_config, http_server_config.headers",
    )
    p.add_argument("--allow-delete", action="store_true", help="let the browser delete groups (read-only otherwise)")
    p.add_argument("-h", "--help", action="store_true", help="show this help and pgwtui's options")
    return p


def split_args(argv: Sequence[str]) -> tuple[WebOptions, list[str], bool]:
    """(the web flags, the app's arguments, whether help was asked for).

    Raises:
        ConfigError: a web flag without its value, or a port out of range.

    """
    try:
        known, rest = web_parser().parse_known_args(list(argv))
    except SystemExit:
        raise ConfigError("web: bad arguments (see pgwtui web --help)") from None
    if not 0 < known.port < 65536:
        raise ConfigError(f"web: --port must be 1-65535, got {known.port}")
    options = WebOptions(known.host, known.port, known.web_config, known.allow_delete)
    return options, rest, bool(known.help)


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach `host` (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: whoever can resolve it can reach it


def check_exposure(host: str, users: int, web_config: str | None) -> None:
    """Refuse to serve beyond loopback without basic auth.

    Raises:
        ConfigError: a non-loopback address and no `basic_auth_users`.

    """
    if is_loopback(host) or users:
        return
    why = "its basic_auth_users is empty" if web_config else "no --web.config.file was given"
    raise ConfigError(
        f"web: refusing to listen on {host} without authentication ({why}): anyone who reaches it would "
        "browse the gateway's groups (and with --allow-delete, delete them). Give --web.config.file FILE "
        "with bcrypt basic_auth_users (the gateway's format), or listen on 127.0.0.1."
    )


def app_command(python: str, app_args: Sequence[str], *, allow_delete: bool) -> tuple[str, dict[str, str]]:
    """The shell command each browser tab runs, and the secrets to hand it in its environment.

    Raises:
        ConfigError: --read-only and --allow-delete together.

    """
    args = list(app_args)
    if allow_delete and "--read-only" in args:
        raise ConfigError("web: --allow-delete and --read-only contradict each other")
    env: dict[str, str] = {}
    kept: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=")
        if name in SECRETS:
            if not eq:
                if i + 1 >= len(args):
                    raise ConfigError(f"web: {name} needs a value")
                value = args[i + 1]
                i += 1
            env[SECRETS[name]] = value
        else:
            kept.append(arg)
        i += 1
    if not allow_delete and "--read-only" not in kept:
        kept.append("--read-only")
    return shlex.join([python, "-m", "pgwtui", *kept]), env
