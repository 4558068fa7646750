"""Start gateways for tests on 127.0.0.1: the real Go binaries (1.11.0 by default, 1.5.1), ours in a thread, ours as a process."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bridge.gateway.config import GatewayConfig
from bridge.gateway.service import Gateway
from bridge.gateway.web.app import GatewayApp
from bridge.gateway.web.server import serve
from tests.support import oracles

GO_BINARY = shutil.which("prometheus-pushgateway") or "/usr/bin/prometheus-pushgateway"
"""The system's Debian 12 build of Pushgateway 1.5.1 (`make system-deps` installs it)."""
REPO = Path(__file__).resolve().parents[2]
GO_1_11 = "1.11.0"
GO_1_5 = "1.5.1"
GO_VERSIONS = (GO_1_11, GO_1_5)
"""The oracle versions the differential suite compares with; the first is the default."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, timeout: float = 15.0, proc: subprocess.Popen[bytes] | None = None, **kwargs: Any) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before it was ready")
        try:
            response = httpx.get(url, timeout=1.0, **kwargs)
            if response.status_code < 500:
                return
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.02)
    raise RuntimeError(f"{url} not ready after {timeout}s: {last}")


def go_command(version: str, listen: str, *args: str) -> list[str]:
    """argv for the real Go gateway of `version` on `listen`, in memory, logging errors only."""
    if version == GO_1_11:
        return oracles.pushgateway_command(listen, *args)
    assert version == GO_1_5, f"no oracle binary for Pushgateway {version}"
    if not os.path.exists(GO_BINARY):
        raise RuntimeError("prometheus-pushgateway is not installed (make test installs it)")
    return [GO_BINARY, f"--web.listen-address={listen}", "--persistence.file=", "--log.level=error", *args]


class GoGateway:
    """The real Pushgateway (Debian 13's 1.11.0 from the oracle cache, or the system's 1.5.1), in memory, on a free loopback port."""

    def __init__(self, args: Sequence[str] = (), prefix: str = "", version: str = GO_1_11) -> None:
        self.version = version
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._tmp = tempfile.TemporaryDirectory(prefix="gopgw-")
        cmd = go_command(version, f"127.0.0.1:{self.port}", *args)
        # A file, not a pipe nobody reads: 1.11.0 writes a stack trace for every push it drops
        # (test_deliberate), and a full pipe would block it after a dozen of them.
        self.stderr_path = Path(self._tmp.name) / "stderr.log"
        with self.stderr_path.open("wb") as stderr:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            wait_ready(f"{self.url}{prefix}/-/ready", proc=self.proc)
        except Exception:
            self.stop()
            raise

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._tmp.cleanup()


T = TypeVar("T")


class ThreadGateway:
    """Our gateway served by uvicorn on a real socket, in a background thread with its own loop."""

    def __init__(self, config: GatewayConfig | None = None, app: GatewayApp | None = None) -> None:
        from bridge.gateway.runtime import build_app

        self.port = free_port()
        config = config or GatewayConfig()
        config.listen_address = f"127.0.0.1:{self.port}"
        self.app = app or build_app(config)
        self.url = f"http://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="thread-gateway", daemon=True)
        self._thread.start()
        if not self._started.wait(15):
            raise RuntimeError(f"gateway did not start: {self._error}")
        if self._error is not None:
            raise RuntimeError(f"gateway failed: {self._error}")

    @property
    def gateway(self) -> Gateway:
        return self.app.gateway

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        def started(_bound: object) -> None:
            self._started.set()

        try:
            self._loop.run_until_complete(serve(self.app, on_started=started, handle_signals=False))
        except BaseException as exc:
            self._error = exc
            self._started.set()

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the gateway's loop and wait for it."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(30)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self.app.gateway.quit.set)
            self._thread.join(15)
        if not self._loop.is_closed() and not self._thread.is_alive():
            self._loop.close()


class BridgeProcess:
    """A real `pgw-bridge serve` process (what users run)."""

    def __init__(
        self,
        args: Sequence[str] = (),
        env: dict[str, str] | None = None,
        port: int | None = None,
        scheme: str = "http",
        ready_path: str = "/-/ready",
        wait: bool = True,
        **ready_kwargs: Any,
    ) -> None:
        self.port = port or free_port()
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "bridge", "serve", f"--web.listen-address=127.0.0.1:{self.port}", *args]
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.stderr_path = Path(tempfile.mkstemp(prefix="pgw-bridge-", suffix=".log")[1])
        self._stderr = self.stderr_path.open("wb")
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=full_env, stdout=subprocess.DEVNULL, stderr=self._stderr)
        if wait:
            try:
                wait_ready(f"{self.url}{ready_path}", proc=self.proc, **ready_kwargs)
            except Exception:
                self.stop()
                raise

    def logs(self) -> str:
        if not self._stderr.closed:
            self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self._stderr.close()

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._stderr.close()
        return self.proc.returncode
