"""`--web.listen-address` against the Go binary: the addresses Go refuses are refused, bracketed hosts are served."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from tests.conftest import require_binary
from tests.e2e.conftest import StartBridge
from tests.support.servers import REPO, free_port, wait_ready

pytestmark = pytest.mark.oracle

REFUSED = ["::1:{port}", "[::1]{port}", "[::1:{port}", "host]:{port}", "a[b:{port}", "{port}"]
"""Each is an error of Go's net.SplitHostPort (too many colons, missing port, missing or unexpected bracket)."""


@pytest.mark.parametrize("template", REFUSED)
def test_an_address_go_refuses_is_refused(template: str) -> None:
    go_binary = require_binary("prometheus-pushgateway")
    address = template.format(port=free_port())
    go = subprocess.run(
        [go_binary, f"--web.listen-address={address}", "--persistence.file="],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,  # Go logs the error and exits 0
    )
    assert f"address {address}: " in go.stderr and " in address" in go.stderr, go.stderr
    ours = subprocess.run(
        [sys.executable, "-m", "bridge", "serve", f"--web.listen-address={address}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ours.returncode == 2, ours.stderr
    assert ours.stderr == f"pgw-bridge: invalid --web.listen-address {address!r}: expected [host]:port\n"


def test_a_bracketed_host_is_served_as_go_serves_it(bridge: StartBridge) -> None:
    go_binary = require_binary("prometheus-pushgateway")
    go_port = free_port()
    go = subprocess.Popen(
        [go_binary, f"--web.listen-address=[127.0.0.1]:{go_port}", "--persistence.file=", "--log.level=error"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(f"http://127.0.0.1:{go_port}/-/ready", proc=go)
    finally:
        go.send_signal(signal.SIGTERM)
        go.wait(10)
    port = free_port()
    ours = bridge([f"--web.listen-address=[127.0.0.1]:{port}"], port=port)
    assert ours.proc.poll() is None
