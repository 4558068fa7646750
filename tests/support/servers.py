"""Start gateways for tests on 127.0.0.1: the real Go binary, ours in a thread, ours as a process."""

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

GO_BINARY = shutil.which("prometheus-pushgateway") or "/usr/bin/prometheus-pushgateway"
REPO = Path(__file__).resolve().parents[2]


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


class GoGateway:
    """The real prometheus-pushgateway (Debian 1.5.1), in memory, on a free loopback port."""

    def __init__(self, args: Sequence[str] = (), prefix: str = "") -> None:
        if not os.path.exists(GO_BINARY):
            raise RuntimeError("prometheus-pushgateway is not installed (make test installs it)")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._tmp = tempfile.TemporaryDirectory(prefix="gopgw-")
        cmd = [
            GO_BINARY,
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--persistence.file=",
            "--log.level=error",
            *args,
        ]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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
        if self.proc.stderr:
            self.proc.stderr.close()
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
