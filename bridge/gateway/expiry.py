"""Extension: group TTL — groups whose last push is older than their TTL are deleted."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable

from bridge.gateway.config import GatewayConfig, TTLRule
from bridge.gateway.service import Gateway
from bridge.gateway.store.types import Group
from bridge.protocol.grouping import readable_path
from bridge.protocol.model import PUSH_FAILURE_TIME, PUSH_TIME

log = logging.getLogger("bridge.gateway")


class TTLPolicy:
    """Which TTL applies to a job: the first rule whose regex fully matches the job, else the default."""

    def __init__(self, default_seconds: float, rules: Iterable[TTLRule]) -> None:
        self.default = default_seconds
        self.rules = [(re.compile(rule.pattern), rule.seconds) for rule in rules]
        self._cache: dict[str, float] = {}

    @property
    def active(self) -> bool:
        """Whether any group can ever expire."""
        return self.default > 0 or any(seconds > 0 for _, seconds in self.rules)

    def ttl(self, job: str) -> float:
        """Seconds a group of this job lives after its last push (0: forever)."""
        cached = self._cache.get(job)
        if cached is None:
            cached = next((seconds for pattern, seconds in self.rules if pattern.fullmatch(job)), self.default)
            if len(self._cache) < 100_000:
                self._cache[job] = cached
        return cached

    @property
    def sweep_interval(self) -> float:
        """How often to look: a tenth of the shortest TTL, between 1 and 60 seconds."""
        ttls = [t for t in [self.default, *(s for _, s in self.rules)] if t > 0]
        return min(60.0, max(1.0, min(ttls) / 10)) if ttls else 60.0


def last_push_seconds(group: Group) -> float:
    """When the group was last pushed to: the last success, else the last failure, else 0."""
    success = group.timestamp_value(PUSH_TIME) or 0.0
    if success > 0:
        return success
    return group.timestamp_value(PUSH_FAILURE_TIME) or 0.0


def expired(groups: Iterable[Group], now_seconds: float, policy: TTLPolicy) -> list[Group]:
    """The groups past their TTL at `now_seconds`."""
    out = []
    for group in groups:
        ttl = policy.ttl(group.labels.get("job", ""))
        if ttl > 0 and now_seconds - last_push_seconds(group) > ttl:
            out.append(group)
    return out


async def expire_once(gateway: Gateway, policy: TTLPolicy) -> int:
    """Delete every group past its TTL now; the number deleted."""
    count = 0
    for candidate in expired(gateway.groups(), gateway.clock() / 1e9, policy):
        labels = candidate.labels
        age = await _expire(gateway, labels, policy)
        if age is not None:
            count += 1
            gateway.own.expired(labels.get("job", ""))
            log.info("group expired", extra={"kv": {"group": readable_path(labels), "age_seconds": round(age, 3)}})
    return count


async def _expire(gateway: Gateway, labels: dict[str, str], policy: TTLPolicy) -> float | None:
    """Delete a group if it is still expired when the delete is decided; its age then, else None.

    Each delete waits for its commit, and a client may push to the group meanwhile.
    """
    ages: list[float] = []

    def still_expired(group: Group) -> bool:
        now = gateway.clock() / 1e9
        if not expired([group], now, policy):
            return False
        ages.append(now - last_push_seconds(group))
        return True

    if await gateway.delete(dict(labels), only_if=still_expired):
        return ages[0]
    return None


def ttl_task(config: GatewayConfig) -> TTLPolicy | None:
    """The TTL policy configured by the flags, or None when nothing expires."""
    policy = TTLPolicy(config.group_ttl, config.ttl_rules)
    return policy if policy.active else None


async def run_expiry(gateway: Gateway, policy: TTLPolicy) -> None:
    """Sweep forever (until cancelled)."""
    while True:
        try:
            await expire_once(gateway, policy)
        except Exception:
            log.exception("group expiry sweep failed")
        await asyncio.sleep(policy.sweep_interval)
