"""The real Pushgateway 1.11.0 (Debian 13's build, tests/support/oracles.py) as a test server, beside ours."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Sequence

from tests.support import oracles
from tests.support.servers import free_port, wait_ready


class OracleGateway:
    """1.11.0 in memory on a free loopback port, with the given flags (skipped or failed when absent)."""

    def __init__(self, args: Sequence[str] = ()) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = oracles.pushgateway_command(f"127.0.0.1:{self.port}", *args)
        self.binary = command[0]
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_ready(f"{self.url}/-/ready", proc=self.proc)
        except Exception:
            self.stop()
            raise

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
