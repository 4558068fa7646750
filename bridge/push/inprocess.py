"""Pushes straight into the embedded gateway (serve mode): no HTTP hop, the same verdicts as a 200/400."""

from __future__ import annotations

import logging

from bridge.errors import BridgeError, ParseError
from bridge.gateway.service import Gateway
from bridge.protocol.methods import Method
from bridge.protocol.textparse import parse_text
from bridge.push import outcome
from bridge.push.outcome import Outcome
from bridge.push.pusher import PushRequest

log = logging.getLogger("bridge.spool")


class GatewayPusher:
    """Feeds an in-process `Gateway`; answers as its HTTP push handler would (200, or 400 with its message).

    The gateway decides (its limits included) and words the verdict; this maps it to an `Outcome`.

    Args:
        gateway: the embedded gateway, on this event loop; or None, to `bind` it once it exists.

    """

    target = "embedded"

    def __init__(self, gateway: Gateway | None = None) -> None:
        self._gateway = gateway

    def bind(self, gateway: Gateway) -> None:
        """Feed this gateway (serve mode builds the pusher before the gateway exists)."""
        self._gateway = gateway

    @property
    def gateway(self) -> Gateway:
        """The gateway pushed into.

        Raises:
            RuntimeError: no gateway bound yet.

        """
        if self._gateway is None:
            raise RuntimeError("GatewayPusher used before bind()")
        return self._gateway

    async def push(self, request: PushRequest) -> Outcome:
        """Apply one push to the gateway and wait until it is durable."""
        grouping = dict(request.key)
        try:
            if request.method is Method.DELETE:
                await self.gateway.delete(grouping)
                return outcome.Outcome(outcome.Verdict.DELIVERED, 202)
            families = request.families
            if families is None:
                families = parse_text(request.body, utf8=self.gateway.config.enable_utf8_names)
            verdict = await self.gateway.push(grouping, families, replace=request.method is Method.PUT)
        except ParseError as exc:
            return outcome.Outcome(outcome.Verdict.REJECTED, 400, str(exc))
        except (BridgeError, OSError) as exc:
            # The storage could not commit (disk full, locked file): the push did not happen; try later.
            log.warning("embedded gateway could not apply a push", extra={"kv": {"err": str(exc)}})
            return outcome.Outcome(outcome.Verdict.TRANSIENT, 503, str(exc))
        if not verdict.accepted:
            return outcome.Outcome(outcome.Verdict.REJECTED, 400, verdict.message)
        return outcome.Outcome(outcome.Verdict.DELIVERED, 200)

    async def aclose(self) -> None:
        """Nothing to close: the gateway belongs to the caller."""
