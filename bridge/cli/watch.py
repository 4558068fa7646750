"""`pgw-bridge watch`: a spool directory feeding any Pushgateway over HTTP, until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING, Any

from bridge import logs
from bridge.cli.flags import add_log_flags
from bridge.cli.produce import NAMING_HELP
from bridge.cli.spool_flags import add_remote_flags, add_spool_flags, http_settings, spool_options

if TYPE_CHECKING:
    from bridge.push.settings import HttpSettings
    from bridge.spool.options import SpoolOptions

# asyncio, the watcher, httpx and uvicorn are imported in the handler: building the parser stays cheap.

log = logging.getLogger("bridge.spool")


def register(sub: Any) -> None:
    """Add `watch` to the `pgw-bridge` subcommands."""
    watch = sub.add_parser(
        "watch", help="feed a spool directory into any Pushgateway", description=NAMING_HELP, allow_abbrev=False
    )
    add_spool_flags(watch, required=True)
    add_remote_flags(watch)
    add_log_flags(watch)
    watch.set_defaults(handler=run_watch)


def run_watch(args: argparse.Namespace) -> int:
    """`pgw-bridge watch`: feed a remote gateway until SIGINT/SIGTERM."""
    logs.setup(args.log_level, args.log_format)
    options = spool_options(args)
    settings = http_settings(args)
    import asyncio

    asyncio.run(_watch(options, settings, args.metrics_listen))
    return 0


async def _watch(options: SpoolOptions, settings: HttpSettings, metrics_listen: str | None) -> None:
    import asyncio
    import signal

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
