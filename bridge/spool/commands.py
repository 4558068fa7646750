"""`pgw-bridge watch | drop | exec` and `serve --spool`: parsers and handlers (the CLI's spool edge)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridge import logs
from bridge.errors import ConfigError, ParseError, SpoolError
from bridge.gateway.config import GatewayConfig, parse_duration
from bridge.spool.naming import Method, file_name
from bridge.spool.options import (
    SpoolOptions,
    add_remote_flags,
    add_spool_flags,
    env_name,
    http_settings,
    spool_options,
)
from bridge.spool.producer import drop

if TYPE_CHECKING:
    from bridge.gateway.service import Gateway
    from bridge.push.settings import HttpSettings

# watch and serve import the watcher, httpx and uvicorn inside their handlers: drop and exec,
# which cron runs often, start without them.

log = logging.getLogger("bridge.spool")
SPOOL_ENV = env_name("--spool")
NAMING_HELP = (
    "Spool file names: JOB[@LABEL=VALUE...].prom, with '/', '@', '=' and '%' percent-encoded; "
    "SPOOL/*.prom is PUT, SPOOL/add/*.prom is POST, SPOOL/delete/*.prom deletes the group."
)


def add_serve_spool_flags(parser: argparse.ArgumentParser) -> None:
    """Add the `serve --spool DIR` flags (the spool feeds the embedded gateway directly)."""
    add_spool_flags(parser, required=False)


def register(sub: Any) -> None:
    """Add `watch`, `drop` and `exec` to the `pgw-bridge` subcommands."""
    watch = sub.add_parser(
        "watch", help="feed a spool directory into any Pushgateway", description=NAMING_HELP, allow_abbrev=False
    )
    add_spool_flags(watch, required=True)
    add_remote_flags(watch)
    watch.add_argument("--log.level", dest="log_level", default="info", choices=sorted(logs.LEVELS))
    watch.add_argument("--log.format", dest="log_format", default="logfmt", choices=["logfmt", "json"])
    watch.set_defaults(handler=run_watch)

    drop_cmd = sub.add_parser(
        "drop",
        help="validate stdin and write it atomically into the spool",
        description=NAMING_HELP,
        allow_abbrev=False,
    )
    drop_cmd.add_argument("job", help="the job of the grouping key")
    drop_cmd.add_argument("labels", nargs="*", metavar="LABEL=VALUE", help="more grouping labels")
    drop_cmd.add_argument("--spool", default=None, metavar="DIR", help=f"the spool directory (env {SPOOL_ENV})")
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


def grouping_from_args(job: str, labels: list[str]) -> dict[str, str]:
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
        file_name(grouping)
    except SpoolError as exc:
        raise ConfigError(str(exc)) from None
    return grouping


def run_drop(args: argparse.Namespace) -> int:
    """`pgw-bridge drop`: exit 0 once the file is in the spool; non-zero on bad input."""
    spool = _spool(args.spool)
    grouping = grouping_from_args(args.job, args.labels)
    method = Method.POST if args.add else Method.DELETE if args.delete else Method.PUT
    body = b"" if method is Method.DELETE else sys.stdin.buffer.read()
    try:
        drop(spool, grouping, method, body)
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
    max_age = parse_duration(args.max_age) if args.max_age else None
    if not spool.is_dir():
        raise ConfigError(f"spool directory {str(spool)!r} does not exist")
    from bridge.spool.execjob import exec_job

    return exec_job(spool, grouping, command, max_age=max_age)


def run_watch(args: argparse.Namespace) -> int:
    """`pgw-bridge watch`: feed a remote gateway until SIGINT/SIGTERM."""
    logs.setup(args.log_level, args.log_format)
    options = spool_options(args)
    settings = http_settings(args)
    asyncio.run(_watch(options, settings, args.metrics_listen))
    return 0


async def _watch(options: SpoolOptions, settings: HttpSettings, metrics_listen: str | None) -> None:
    from bridge.push.pusher import HttpPusher
    from bridge.spool.metrics import BridgeMetrics
    from bridge.spool.metrics_server import bind, serve_metrics
    from bridge.spool.runner import SpoolBridge

    metrics = BridgeMetrics()
    pusher = HttpPusher(settings)
    try:
        bridge = SpoolBridge(options, pusher, metrics=metrics)
        bridge.prepare()
        sock = bind(metrics_listen) if metrics_listen else None
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        log.info("feeding gateway", extra={"kv": {"gateway": pusher.target}})
        work = asyncio.create_task(bridge.run())
        served = asyncio.create_task(serve_metrics(sock, metrics, stop)) if sock is not None else None
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait([work, stopped], return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        work.cancel()
        try:
            await work
        except asyncio.CancelledError:
            log.info("spool bridge stopped")
        finally:
            if served is not None:
                await served
            stopped.cancel()
    finally:
        await pusher.aclose()


def run_serve_spool(args: argparse.Namespace, config: GatewayConfig) -> int:
    """`pgw-bridge serve --spool DIR`: the embedded gateway, fed directly by the spool (no HTTP hop)."""
    from bridge.gateway.runtime import run_gateway
    from bridge.gateway.web.server import run
    from bridge.push.inprocess import GatewayPusher
    from bridge.spool.metrics import KNOWN, BridgeMetrics
    from bridge.spool.runner import SpoolBridge

    options = spool_options(args, state_in_memory=not config.persistence_file)
    metrics = BridgeMetrics()
    pusher = GatewayPusher()
    bridge = SpoolBridge(options, pusher, metrics=metrics, target=f"embedded:{config.persistence_file}")
    bridge.prepare()
    failures: list[BaseException] = []

    async def spool_task(gateway: Gateway) -> None:
        pusher.bind(gateway)
        gateway.own.add_collector(metrics.families, KNOWN)
        try:
            await bridge.run()
        except (SpoolError, OSError) as exc:
            log.error("spool bridge failed; stopping", extra={"kv": {"err": str(exc)}})
            failures.append(exc)
            gateway.quit.set()

    run(run_gateway(config, [spool_task]))
    if failures:
        raise SpoolError(f"the spool bridge failed: {failures[0]}")
    return 0
