"""`pgw-bridge drop` and `exec`: producers that write into the spool (cron runs them often, so they start fast).

Neither imports asyncio, the watcher, httpx or the gateway: `drop` validates stdin and renames
it into place, `exec` runs a command and drops its metrics.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from bridge.cli.flags import duration_seconds, env_bool, env_name
from bridge.errors import ConfigError, ParseError, SpoolError
from bridge.protocol.methods import Method
from bridge.spool.naming import file_name
from bridge.spool.producer import drop

SPOOL_ENV = env_name("--spool")
NAMING_HELP = (
    "Spool file names: JOB[@LABEL=VALUE...].prom, with '/', '@', '=' and '%' percent-encoded; "
    "SPOOL/*.prom is PUT, SPOOL/add/*.prom is POST, SPOOL/delete/*.prom deletes the group."
)


def register(sub: Any) -> None:
    """Add `drop` and `exec` to the `pgw-bridge` subcommands."""
    drop_cmd = sub.add_parser(
        "drop",
        help="validate stdin and write it atomically into the spool",
        description=NAMING_HELP,
        allow_abbrev=False,
    )
    drop_cmd.add_argument("job", help="the job of the grouping key")
    drop_cmd.add_argument("labels", nargs="*", metavar="LABEL=VALUE", help="more grouping labels")
    drop_cmd.add_argument("--spool", default=None, metavar="DIR", help=f"the spool directory (env {SPOOL_ENV})")
    drop_cmd.add_argument(
        "--utf8-names",
        action="store_true",
        default=env_bool("--utf8-names"),
        help="the gateway runs with --push.enable-utf8-names: allow UTF-8 metric and label names "
        f"(env {env_name('--utf8-names')})",
    )
    method = drop_cmd.add_mutually_exclusive_group()
    method.add_argument("--add", action="store_true", help="POST: replace only the families in the body")
    method.add_argument("--delete", action="store_true", help="delete the group (stdin is not read)")
    drop_cmd.set_defaults(handler=run_drop)

    exec_cmd = sub.add_parser(
        "exec",
        help="run a command, then drop its duration, exit code and last run/success times",
        description="Run CMD; its output passes through and its exit status is returned. Then POST into "
        "the spool: pgw_exec_duration_seconds, pgw_exec_exit_code, pgw_exec_last_run_timestamp_seconds, "
        "pgw_exec_last_success_timestamp_seconds (on success only) and, with --max-age, pgw_exec_max_age_seconds.",
        usage="pgw-bridge exec [--spool DIR] [--max-age DURATION] JOB [LABEL=VALUE ...] -- CMD [ARG ...]",
        allow_abbrev=False,
    )
    exec_cmd.add_argument("--spool", default=None, metavar="DIR", help=f"the spool directory (env {SPOOL_ENV})")
    exec_cmd.add_argument("--max-age", default=None, metavar="DURATION", help="also drop pgw_exec_max_age_seconds")
    exec_cmd.add_argument("job", help="the job of the grouping key")
    exec_cmd.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    exec_cmd.set_defaults(handler=run_exec)


def _spool(value: str | None) -> Path:
    spool = value or os.environ.get(SPOOL_ENV)
    if not spool:
        raise ConfigError(f"--spool (or {SPOOL_ENV}) is required")
    return Path(spool)


def grouping_from_args(job: str, labels: list[str], *, utf8: bool = False) -> dict[str, str]:
    """Build a grouping key from `JOB` and `LABEL=VALUE` arguments, checked against the naming rule.

    Raises:
        ConfigError: an argument without `=`, a repeated label, or a name the rule refuses.

    """
    grouping = {"job": job}
    for item in labels:
        name, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"grouping labels are LABEL=VALUE, got {item!r}")
        if name in grouping:
            raise ConfigError(f"grouping label {name!r} given twice")
        grouping[name] = value
    try:
        file_name(grouping, utf8=utf8)
    except SpoolError as exc:
        raise ConfigError(str(exc)) from None
    return grouping


def run_drop(args: argparse.Namespace) -> int:
    """`pgw-bridge drop`: exit 0 once the file is in the spool; non-zero on bad input."""
    spool = _spool(args.spool)
    grouping = grouping_from_args(args.job, args.labels, utf8=args.utf8_names)
    method = Method.POST if args.add else Method.DELETE if args.delete else Method.PUT
    body = b"" if method is Method.DELETE else sys.stdin.buffer.read()
    try:
        drop(spool, grouping, method, body, utf8=args.utf8_names)
    except ParseError as exc:
        raise SpoolError(f"stdin: {exc}") from None
    return 0


def _split_exec(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """Labels and command from `exec`'s remainder (argparse may or may not have eaten the `--`)."""
    labels: list[str] = []
    words = list(args.rest)
    while words:
        word = words.pop(0)
        if word == "--":
            return labels, words
        if word in ("--spool", "--max-age") and words:
            setattr(args, word[2:].replace("-", "_"), words.pop(0))
        elif word.startswith(("--spool=", "--max-age=")):
            flag, _, value = word.partition("=")
            setattr(args, flag[2:].replace("-", "_"), value)
        elif "=" in word and not word.startswith("-"):
            labels.append(word)
        else:
            return labels, [word, *words]
    return labels, []


def run_exec(args: argparse.Namespace) -> int:
    """`pgw-bridge exec`: the command's exit status; 2 before running it if the arguments are wrong."""
    labels, command = _split_exec(args)
    if not command:
        raise ConfigError("exec needs a command after --")
    spool = _spool(args.spool)
    grouping = grouping_from_args(args.job, labels)
    max_age = duration_seconds(args.max_age) if args.max_age else None
    if not spool.is_dir():
        raise ConfigError(f"spool directory {str(spool)!r} does not exist")
    from bridge.spool.execjob import exec_job

    return exec_job(spool, grouping, command, max_age=max_age)
