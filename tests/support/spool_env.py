"""Helpers for spool-bridge tests: producers dropping files, reading gateways, deadlines, restartable gateways."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bridge.gateway.config import GatewayConfig
from bridge.gateway.service import Gateway
from bridge.gateway.web.app import GatewayApp
from bridge.gateway.web.server import serve
from bridge.protocol.model import MetricFamily
from bridge.protocol.textparse import parse_text
from bridge.push import outcome
from bridge.push.outcome import Outcome
from bridge.push.pusher import Pusher, PushRequest
from bridge.spool.options import SpoolOptions
from bridge.spool.runner import SpoolBridge
from tests.support.servers import GO_1_5, REPO, free_port, go_command, wait_ready

T = TypeVar("T")
Series = dict[tuple[str, tuple[tuple[str, str], ...]], float]


# ---------------------------------------------------------------- producers
def drop_file(directory: Path, name: str, body: bytes | str, *, mtime_ns: int | None = None) -> Path:
    """Write a temp name, then rename into place (the textfile-collector convention)."""
    data = body.encode() if isinstance(body, str) else body
    staging = directory / f"{name}.{os.getpid()}"
    staging.write_bytes(data)
    if mtime_ns is not None:
        os.utime(staging, ns=(mtime_ns, mtime_ns))
    target = directory / name
    os.rename(staging, target)
    return target


def variants(job: str, count: int) -> list[str]:
    """`count` distinct spool file names that all stand for the grouping key `{job: job}` (percent-encoding)."""
    names: list[str] = []
    for mask in range(2 ** len(job)):
        parts = [f"%{ord(c):02X}" if mask >> i & 1 else c for i, c in enumerate(job)]
        names.append("".join(parts) + ".prom")
        if len(names) == count:
            return names
    raise ValueError(f"{job!r} has fewer than {count} spellings")


# ---------------------------------------------------------------- reading gateways
def series_of(families: dict[str, MetricFamily]) -> Series:
    out: Series = {}
    for name, family in families.items():
        for metric in family.metrics:
            out[(name, tuple(sorted(metric.labels)))] = metric.scalar()
    return out


def scrape(url: str, **kwargs: Any) -> Series:
    """Every series on a gateway's /metrics (our parser), keyed by (name, sorted labels)."""
    response = httpx.get(f"{url}/metrics", timeout=10, **kwargs)
    response.raise_for_status()
    return series_of(parse_text(response.content))


def local_series(gateway: Gateway) -> Series:
    return series_of(parse_text(gateway.metrics_text()))


def value(series: Series, name: str, **labels: str) -> float | None:
    """The value of `name` in the group whose job/grouping labels include `labels` (None if absent)."""
    for (metric, pairs), number in series.items():
        if metric == name and set(labels.items()) <= set(pairs):
            return number
    return None


def wait_for(predicate: Callable[[], T], timeout: float = 15.0, interval: float = 0.02, what: str = "") -> T:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
        except (httpx.HTTPError, OSError) as exc:
            last = exc
        else:
            if result:
                return result
            last = result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}: last={last!r}")


async def until(predicate: Callable[[], T], timeout: float = 15.0, what: str = "") -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
        await asyncio.sleep(0.01)


def spool_files(spool: Path) -> list[str]:
    """Every regular file in the spool tree except failed/ and done/, relative."""
    found = []
    for sub in ("", "add", "delete"):
        directory = spool / sub if sub else spool
        if directory.is_dir():
            found += [f"{sub}/{n}" if sub else n for n in os.listdir(directory) if (directory / n).is_file()]
    return sorted(found)


# ---------------------------------------------------------------- pushers that simulate the network
class Recorder:
    """Wraps a real pusher; can simulate an unreachable gateway; records what was delivered, in order."""

    def __init__(self, inner: Pusher) -> None:
        self.inner = inner
        self.target = inner.target
        self.down = False
        self.delivered: list[PushRequest] = []
        self.attempts = 0

    async def push(self, request: PushRequest) -> Outcome:
        self.attempts += 1
        if self.down:
            return outcome.no_answer("ConnectError: [Errno 111] Connection refused (simulated)")
        result = await self.inner.push(request)
        if result.verdict is outcome.Verdict.DELIVERED:
            self.delivered.append(request)
        return result

    async def aclose(self) -> None:
        await self.inner.aclose()


@contextlib.asynccontextmanager
async def running(bridge: SpoolBridge) -> AsyncIterator[SpoolBridge]:
    """Run a bridge as a task; cancel it (graceful stop) on exit."""
    task = asyncio.create_task(bridge.run())
    await asyncio.sleep(0)
    try:
        yield bridge
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def options(spool: Path, **kw: Any) -> SpoolOptions:
    """Options tuned for tests: short retries and quiet period."""
    from bridge.push.retry import BackoffPolicy

    kw.setdefault("quiet_period", 0.3)
    kw.setdefault("poll_interval", 0.05)
    kw.setdefault("grace", 2.0)
    kw.setdefault("backoff", BackoffPolicy(initial=0.05, maximum=0.3))
    return SpoolOptions(spool, **kw)


# ---------------------------------------------------------------- gateways that can restart on the same port
class OursAt:
    """Our gateway on a fixed loopback port, in a thread; stop() and start() again keep the port."""

    version: str | None = None
    """Not a Go version (GoAt's is)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread: threading.Thread | None = None
        self.app: GatewayApp | None = None

    def start(self) -> OursAt:
        from bridge.gateway.runtime import build_app

        self.app = build_app(GatewayConfig(listen_address=f"127.0.0.1:{self.port}"))
        self._loop = asyncio.new_event_loop()
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            assert self.app is not None
            self._loop.run_until_complete(serve(self.app, on_started=lambda _b: started.set(), handle_signals=False))
            self._loop.close()

        self._thread = threading.Thread(target=run, name="ours-at", daemon=True)
        self._thread.start()
        if not started.wait(15):
            raise RuntimeError("gateway did not start")
        return self

    def stop(self) -> None:
        if self._thread is not None and self._thread.is_alive() and self.app is not None:
            self._loop.call_soon_threadsafe(self.app.gateway.quit.set)
            self._thread.join(15)
        self._thread = None


class GoAt:
    """The real Go Pushgateway (the system's 1.5.1 unless `version` says otherwise) on a fixed loopback port; stop() and start() again keep the port."""

    def __init__(
        self, port: int | None = None, args: Sequence[str] = (), scheme: str = "http", version: str = GO_1_5
    ) -> None:
        self.port = port or free_port()
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.args = list(args)
        self.version = version
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, **ready: Any) -> GoAt:
        cmd = go_command(self.version, f"127.0.0.1:{self.port}", *self.args)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_ready(f"{self.url}/-/ready", proc=self.proc, **ready)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


# ---------------------------------------------------------------- the bridge as users run it
class BridgeCommand:
    """A real `python -m bridge <command> …` process with its stderr kept for assertions."""

    def __init__(self, args: Sequence[str], env: dict[str, str] | None = None) -> None:
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.log_path = Path(tempfile.mkstemp(prefix="pgw-bridge-watch-", suffix=".log")[1])
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bridge", *args], cwd=REPO, env=full_env, stdout=self._log, stderr=self._log
        )

    def logs(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_logged(self, text: str, timeout: float = 15.0) -> None:
        def seen() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"bridge exited with {self.proc.returncode}:\n{self.logs()}")
            return text in self.logs()

        wait_for(seen, timeout, what=f"{text!r} in the bridge's log")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self, timeout: float = 20.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode

    def close(self) -> None:
        self.stop()
        with contextlib.suppress(OSError):
            self.log_path.unlink()
