"""`pgwtui` entry point (the TUI lands with its own issue; until then it explains itself)."""

from __future__ import annotations

import sys


def main() -> int:
    """Placeholder entry point: points at the gateway command."""
    print("pgwtui: the TUI is not built yet; run `pgw-bridge serve` for the gateway.", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
