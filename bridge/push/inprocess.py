"""Pushes straight into the embedded gateway (serve mode): no HTTP hop, the same verdicts as a 200/400."""

from __future__ import annotations

import logging

from bridge.errors import BridgeError, ParseError
from bridge.gateway.service import Gateway
from bridge.gateway.web.handlers import INCONSISTENT
from bridge.protocol.grouping import group_key
from bridge.protocol.model import MetricFamily
from bridge.protocol.textparse import parse_text
from bridge.push import outcome
from bridge.push.outcome import Outcome
from bridge.push.pusher import PushRequest
from bridge.spool.naming import Method

log = logging.getLogger("bridge.spool")


def _join_errors(errors: list[str]) -> str:
    if len(errors) == 1:
        return errors[0]
    return f"{len(errors)} error(s) occurred:\n" + "\n".join(f"* {e}" for e in errors)


class GatewayPusher:
    """Feeds an in-process `Gateway`; answers as its HTTP push handler would (200, or 400 with its message).

    The gateway's opt-in limits (`--push.max-series`, `--push.max-groups`) apply here too.

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

    def _limit_error(self, grouping: dict[str, str], families: dict[str, MetricFamily]) -> str | None:
        config = self.gateway.config
        if config.max_series_per_push:
            series = sum(len(f.metrics) for f in families.values())
            if series > config.max_series_per_push:
                return f"push has {series} series, more than the limit of {config.max_series_per_push}"
        groups = self.gateway.store.groups
        if config.max_groups and len(groups) >= config.max_groups and group_key(grouping) not in groups:
            return f"the gateway already holds {len(groups)} groups, the limit (--push.max-groups)"
        return None

    async def push(self, request: PushRequest) -> Outcome:
        """Apply one push to the gateway and wait until it is durable."""
        grouping = dict(request.key)
        try:
            if request.method is Method.DELETE:
                await self.gateway.delete(grouping)
                return outcome.Outcome(outcome.Verdict.DELIVERED, 202)
            families = request.families if request.families is not None else parse_text(request.body)
            limit = self._limit_error(grouping, families)
            if limit:
                return outcome.Outcome(outcome.Verdict.REJECTED, 400, limit)
            result = await self.gateway.push(grouping, families, replace=request.method is Method.PUT)
        except ParseError as exc:
            return outcome.Outcome(outcome.Verdict.REJECTED, 400, str(exc))
        except (BridgeError, OSError) as exc:
            # The journal could not commit (disk full, locked file): the push did not happen; try later.
            log.warning("embedded gateway could not apply a push", extra={"kv": {"err": str(exc)}})
            return outcome.Outcome(outcome.Verdict.TRANSIENT, 503, str(exc))
        if not result.accepted:
            return outcome.Outcome(outcome.Verdict.REJECTED, 400, INCONSISTENT + _join_errors(result.errors))
        return outcome.Outcome(outcome.Verdict.DELIVERED, 200)

    async def aclose(self) -> None:
        """Nothing to close: the gateway belongs to the caller."""
