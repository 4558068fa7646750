"""pgw-bridge: a Pushgateway-compatible gateway, and a spool directory that feeds any gateway."""

from __future__ import annotations

__version__ = "0.1.0"
