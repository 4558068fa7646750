"""The naming rule and the retry policy stay pure, and `drop`/`exec` start without the heavy stacks."""

from __future__ import annotations

import subprocess
import sys

PURE = [
    "bridge.spool.naming",
    "bridge.protocol.methods",
    "bridge.push.retry",
    "bridge.push.outcome",
    "bridge.push.settings",
]
FORBIDDEN = ["asyncio", "httpx", "watchdog", "uvicorn", "bridge.gateway.service", "bridge.spool.pipeline"]


def test_pure_modules_import_no_io_framework() -> None:
    code = (
        "import sys\n"
        f"for name in {PURE!r}: __import__(name)\n"
        f"print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == ""


def test_drop_and_exec_start_without_the_watcher_or_http_stacks() -> None:
    heavy = ["watchdog", "httpx", "uvicorn", "asyncio", "textual", "bridge.gateway"]
    code = (
        "import sys\n"
        "from bridge.cli import build_parser\n"
        "build_parser().parse_args(['drop', 'j', '--spool', '/tmp'])\n"
        "import bridge.cli.produce, bridge.cli.serve, bridge.cli.watch\n"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == ""
