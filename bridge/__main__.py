"""`python -m bridge` runs the `pgw-bridge` command line."""

from __future__ import annotations

import sys

from bridge.cli import main

sys.exit(main())
