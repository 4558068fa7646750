"""AppState: what the app currently knows about the gateway, published to screens on every change."""

from __future__ import annotations

from dataclasses import dataclass

from pgwtui.client import GatewayInfo
from pgwtui.models import Group, GroupKey, Snapshot


@dataclass(frozen=True, slots=True)
class AppState:
    """The last snapshot, the last connection error (None when healthy), and the gateway's identity."""

    snapshot: Snapshot | None = None
    error: str | None = None
    info: GatewayInfo | None = None

    def group(self, key: GroupKey) -> Group | None:
        """Find the group with this key in the last snapshot."""
        if self.snapshot is None:
            return None
        for group in self.snapshot.groups:
            if group.key == key:
                return group
        return None
