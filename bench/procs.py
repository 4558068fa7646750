"""The servers under test as real processes: start, wait ready, stop, and their CPU and RSS from /proc."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GO_BINARY = shutil.which("prometheus-pushgateway") or "/usr/bin/prometheus-pushgateway"
"""Go 1.5.1: the system's Debian 12 package."""
_ORACLES = Path(os.environ.get("PGW_ORACLE_CACHE") or REPO / ".cache" / "oracles") / "root"
GO_111_BINARY = _ORACLES / "usr" / "bin" / "prometheus-pushgateway"
"""Go 1.11.0: Debian 13's build in the oracle cache (scripts/fetch-oracles.sh; tests/support/oracles.py)."""
GO_111_ASSETS = _ORACLES / "usr" / "share" / "prometheus" / "pushgateway"
GO_KINDS = {"go111": "1.11.0", "go": "1.5.1"}
"""The Go peers by bench kind, the newest first."""
_TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat", "rb") as handle:
        fields = handle.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def proc_rss_kb(pid: int) -> int:
    """VmRSS of a process in KiB, from /proc/PID/status."""
    with open(f"/proc/{pid}/status", "rb") as handle:
        for line in handle:
            if line.startswith(b"VmRSS:"):
                return int(line.split()[1])
    return 0


@dataclass
class Server:
    """One running gateway process on a loopback port."""

    name: str
    cmd: list[str]
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 300) -> Server:
        with self.log.open("ab") as handle:
            self.proc = subprocess.Popen(self.cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=handle)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/-/ready")
                if conn.getresponse().status == 200:
                    conn.close()
                    return self
                conn.close()
            except OSError:
                pass
            time.sleep(0.05)
        self.stop(kill=True)
        raise TimeoutError(f"{self.name} was not ready within {timeout} s")

    def cpu(self) -> float:
        return proc_cpu_seconds(self.pid)

    def rss_kb(self) -> int:
        return proc_rss_kb(self.pid)

    def wait_idle(self, limit: float = 120.0, window: float = 0.3, busy: float = 0.05) -> float:
        """Wait until the process uses < `busy` of a core over `window` s (async work drained); seconds waited."""
        began = time.perf_counter()
        while time.perf_counter() - began < limit:
            before = self.cpu()
            time.sleep(window)
            if self.cpu() - before < busy * window:
                break
        return time.perf_counter() - began

    def stop(self, *, kill: bool = False, timeout: float = 300) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def go_command(kind: str) -> list[str]:
    """The Go peer's binary (and, for Debian's 1.11.0, its web assets: it reads its template from disk)."""
    if kind == "go111":
        return [str(GO_111_BINARY), f"--web.local-assets={GO_111_ASSETS}"]
    return [GO_BINARY]


def go_server(work: Path, tag: str, *, persistence: Path | None = None, fill: bool = False, kind: str = "go") -> Server:
    """The Go Pushgateway of `kind` (go: 1.5.1, go111: 1.11.0), in memory; with `persistence`, a store loaded from a file it never re-writes.

    `fill` disables the consistency check (the loader instance only: Go re-checks the whole store
    on every checked push, 1.11 as 1.5.1, so filling 50k groups through it would take hours).
    """
    port = free_port()
    cmd = [*go_command(kind), f"--web.listen-address=127.0.0.1:{port}", "--web.enable-admin-api", "--log.level=error"]
    if persistence is None:
        cmd.append("--persistence.file=")
    else:
        cmd += [f"--persistence.file={persistence}", "--persistence.interval=1000h"]
    if fill:
        cmd.append("--push.disable-consistency-check")
    return Server(f"{kind}-{tag}", cmd, port, work / f"{kind}-{tag}.log")


def our_server(work: Path, tag: str, *, persistence: Path | None = None) -> Server:
    """`pgw-bridge serve` as users start it (`python -m bridge serve`)."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "bridge",
        "serve",
        f"--web.listen-address=127.0.0.1:{port}",
        "--web.enable-admin-api",
        "--log.level=warn",
        f"--persistence.file={persistence or ''}",
    ]
    return Server(f"ours-{tag}", cmd, port, work / f"ours-{tag}.log")


def go_version(kind: str = "go") -> str:
    """The first line of the Go peer's `--version` (1.5.1 prints it on stderr, 1.11 on stdout)."""
    try:
        out = subprocess.run(
            [go_command(kind)[0], "--version"], check=False, capture_output=True, text=True, timeout=10
        )
    except OSError:
        return "not installed"
    return (out.stdout or out.stderr).splitlines()[0].strip()
