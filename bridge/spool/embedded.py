"""The spool feeding the embedded gateway in-process: the one composition `serve --spool` and the demo share.

This is the only spool module that knows the gateway. It binds an in-process pusher to the
gateway once the gateway exists, adds the bridge's own metrics to the gateway's `/metrics`,
and runs the bridge beside the server as one of its background tasks (cancelled at shutdown,
before the journal closes).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bridge.errors import SpoolError
from bridge.push.inprocess import GatewayPusher
from bridge.spool.metrics import KNOWN, BridgeMetrics
from bridge.spool.options import SpoolOptions
from bridge.spool.runner import SpoolBridge

if TYPE_CHECKING:
    from bridge.gateway.service import Gateway

log = logging.getLogger("bridge.spool")


class EmbeddedSpool:
    """A spool bridge as a background task of the embedded gateway: call it with the gateway.

    Args:
        options: how to read the spool.
        target: the gateway as the mirror state and `.error` files name it (`embedded:…`).
        stop_gateway: when the bridge fails (spool gone, disk error), ask the gateway to quit too.

    Attributes:
        bridge: the spool bridge.
        failure: why the bridge stopped, if it failed; None while it runs, and after a clean stop.

    """

    def __init__(self, options: SpoolOptions, *, target: str, stop_gateway: bool = True) -> None:
        self._metrics = BridgeMetrics()
        self._pusher = GatewayPusher()
        self.bridge = SpoolBridge(options, self._pusher, metrics=self._metrics, target=target)
        self._stop_gateway = stop_gateway
        self.failure: SpoolError | OSError | None = None

    async def __call__(self, gateway: Gateway) -> None:
        """Feed `gateway` until cancelled, or until the bridge fails (then `failure` says why)."""
        self._pusher.bind(gateway)
        gateway.own.add_collector(self._metrics.families, KNOWN)
        try:
            await self.bridge.run()
        except (SpoolError, OSError) as exc:
            self.failure = exc
            if not self._stop_gateway:
                log.error("spool bridge failed", extra={"kv": {"err": str(exc)}})
                return
            log.error("spool bridge failed; stopping", extra={"kv": {"err": str(exc)}})
            gateway.quit.set()


def spool_task(options: SpoolOptions, *, target: str, stop_gateway: bool = True) -> EmbeddedSpool:
    """Prepare the spool (before anything is served) and return the task that feeds the embedded gateway.

    Args:
        options: how to read the spool.
        target: the gateway as the mirror state and `.error` files name it (`embedded:…`).
        stop_gateway: when the bridge fails, ask the gateway to quit too (`serve --spool`).

    Raises:
        SpoolError: the spool or the mirror state file cannot be used.

    """
    task = EmbeddedSpool(options, target=target, stop_gateway=stop_gateway)
    task.bridge.prepare()
    return task
