"""pgwtui: browse, triage and clean up any Prometheus Pushgateway from the terminal."""

from __future__ import annotations

__version__ = "0.1.0"
