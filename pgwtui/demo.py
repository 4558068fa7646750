"""The zero-config demo backend: our gateway in-process, seeded so fresh, stale and failed groups show at once.

Only the CLI entry point (and the screenshot script) import this module: it composes
`bridge.gateway`, which the rest of pgwtui must not touch.

Seeds are `examples/demo/*.prom` files named like spool files
(`<job>[@<label>=<value>…].prom`, values percent-encoded). Directives in comments give each
seed its history, which a live push cannot fake:

    # pgwtui-demo: pushed 31h ago        the successful push happened that long ago
    # pgwtui-demo: push failed 4m ago    then a push was rejected (timestamps), that long ago
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from bridge.errors import SpoolError
from bridge.gateway.config import GatewayConfig
from bridge.gateway.runtime import BackgroundTask, build_app, serve_app
from bridge.gateway.service import Gateway
from bridge.gateway.web.app import GatewayApp
from bridge.protocol.textparse import parse_text
from bridge.spool.naming import parse_name
from pgwtui.durations import parse_duration
from pgwtui.errors import ConfigError
from pgwtui.staleness import StalenessPolicy, StalenessRule

log = logging.getLogger("pgwtui.demo")

DEMO_PORT = 9091
SEED_DIR = Path(__file__).resolve().parent.parent / "examples" / "demo"
SPOOL_EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "spool"
DEMO_POLICY = StalenessPolicy(3600.0, (StalenessRule("nightly-.*", 26 * 3600.0),))
"""Used when no config file exists: the 1h default plus one per-job rule, so the demo shows both."""
HEARTBEAT_EVERY = 10.0
_DIRECTIVE = re.compile(r"^#\s*pgwtui-demo:\s*(pushed|push failed)\s+(\S+)\s+ago\s*$", re.MULTILINE)
_REJECTED = b"# TYPE demo_rejected gauge\ndemo_rejected 1 1000\n"
"""A push the gateway must refuse (samples with timestamps): records push_failure_time_seconds."""


@dataclass(frozen=True, slots=True)
class Seed:
    """One example group and its history."""

    grouping: dict[str, str]
    body: bytes
    pushed_ago: float
    failed_ago: float | None = None


def grouping_from_name(name: str) -> dict[str, str]:
    """`job@label=value@….prom` → grouping labels: the spool's file-name rule.

    Raises:
        ConfigError: the name breaks the rule.

    """
    if name.startswith("."):
        raise ConfigError(f"{name}: hidden files are not seeds (the spool ignores them too)")
    try:
        return parse_name(name)
    except SpoolError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def read_seeds(directory: Path = SEED_DIR) -> list[Seed]:
    """Every seed in a directory, by file name.

    Raises:
        ConfigError: a bad name or directive.

    """
    seeds = []
    for path in sorted(directory.glob("*.prom")):
        body = path.read_bytes()
        pushed, failed = 0.0, None
        for kind, ago in _DIRECTIVE.findall(body.decode("utf-8", "replace")):
            seconds = parse_duration(ago, what=f"{path.name}: pgwtui-demo")
            if kind == "pushed":
                pushed = seconds
            else:
                failed = seconds
        seeds.append(Seed(grouping_from_name(path.name), body, pushed, failed))
    return seeds


def seed_gateway(gateway: Gateway, seeds: list[Seed], now: float) -> None:
    """Write each seed's history into the store, synchronously (before the server runs)."""
    for seed in seeds:
        pushed_ns = int((now - seed.pushed_ago) * 1e9)
        gateway.seed(seed.grouping, parse_text(seed.body), replace=True, now_ns=pushed_ns)
        if seed.failed_ago is not None:
            failed_ns = int((now - seed.failed_ago) * 1e9)
            gateway.seed(seed.grouping, parse_text(_REJECTED), replace=False, now_ns=failed_ns)


def build_demo_gateway(now: float, *, port: int = DEMO_PORT, seed_dir: Path = SEED_DIR) -> GatewayApp:
    """Our gateway (admin API on), seeded relative to `now`; not serving yet."""
    app = build_app(GatewayConfig(listen_address=f"127.0.0.1:{port}", enable_admin_api=True))
    if seed_dir.is_dir():
        seed_gateway(app.gateway, read_seeds(seed_dir), now)
    return app


def pick_port(preferred: int = DEMO_PORT) -> int:
    """`preferred` if nothing listens there on 127.0.0.1, else a free port."""
    for port in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise OSError("no free port on 127.0.0.1")


# --------------------------------------------------------------------------------------------
# The spool bridge: `make run` feeds ./spool into the embedded gateway.
# --------------------------------------------------------------------------------------------
def start_spool_bridge(spool_dir: Path) -> tuple[BackgroundTask, str]:
    """The spool bridge feeding `spool_dir` into the demo gateway, and a note for the user.

    Files dropped into the spool (see README, "Drop a file") are pushed straight into the
    embedded gateway and show up in the TUI at the next refresh. A welcome file from
    `examples/spool/` is dropped at start so the bridge visibly does something.

    Returns:
        A task to run on the gateway's loop (cancelled at shutdown) and the note.

    Raises:
        SpoolError: the spool directory cannot be used.

    """
    from bridge.spool.embedded import spool_task
    from bridge.spool.files import atomic_write
    from bridge.spool.options import SpoolOptions

    spool_dir.mkdir(parents=True, exist_ok=True)
    # The demo keeps serving when its bridge fails (the TUI still shows the gateway); the log says why.
    run = spool_task(SpoolOptions(spool=spool_dir, state_in_memory=True), target="embedded:demo", stop_gateway=False)
    for example in sorted(SPOOL_EXAMPLES.glob("*.prom")):
        atomic_write(spool_dir / example.name, example.read_bytes(), durable=False)

    note = f"Spool bridge watching {spool_dir}: drop <job>[@label=value].prom files there to push them."
    return run, note


@dataclass
class DemoGateway:
    """The demo gateway, served as `serve` serves it (`runtime.serve_app`), on a background thread with its own loop."""

    app: GatewayApp
    port: int
    spool_dir: Path | None = None
    notes: list[str] = field(default_factory=list)
    _loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _ready: threading.Event = field(default_factory=threading.Event, repr=False)
    _error: BaseException | None = field(default=None, repr=False)
    _tasks: list[BackgroundTask] = field(default_factory=list, repr=False)

    @property
    def url(self) -> str:
        """Where the TUI (and the user's curl) reach it."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, heartbeat: Callable[[], float] | None = None) -> None:
        """Serve in a daemon thread; returns once the socket listens.

        Raises:
            OSError: the server did not start.

        """
        if self.spool_dir is not None:
            task, note = start_spool_bridge(self.spool_dir)
            self._tasks.append(task)
            self.notes.append(note)
        self._thread = threading.Thread(target=self._run, args=(heartbeat,), name="pgwtui-demo-gateway", daemon=True)
        self._thread.start()
        if not self._ready.wait(15) or self._error is not None:
            raise OSError(f"the demo gateway did not start: {self._error}")

    def _run(self, heartbeat: Callable[[], float] | None) -> None:
        asyncio.set_event_loop(self._loop)

        def started(_bound: object) -> None:
            self._ready.set()

        tasks = list(self._tasks)
        if heartbeat:
            tasks.append(partial(_heartbeat, clock=heartbeat))
        try:
            self._loop.run_until_complete(serve_app(self.app, tasks, on_started=started, handle_signals=False))
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        if self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self.app.gateway.quit.set)
            self._thread.join(15)
        if self._thread is not None and not self._thread.is_alive() and not self._loop.is_closed():
            self._loop.close()


async def _heartbeat(gateway: Gateway, clock: Callable[[], float]) -> None:
    """Push a `demo-heartbeat` group every few seconds, so the live refresh has something to show."""
    while True:
        body = (
            "# HELP demo_heartbeat_timestamp_seconds Pushed every 10s by the demo.\n"
            "# TYPE demo_heartbeat_timestamp_seconds gauge\n"
            f"demo_heartbeat_timestamp_seconds {clock():.3f}\n"
        ).encode()
        await gateway.push({"job": "demo-heartbeat"}, parse_text(body), replace=True)
        await asyncio.sleep(HEARTBEAT_EVERY)


def start_demo(now: float, clock: Callable[[], float], spool_dir: Path) -> DemoGateway:
    """Seed and serve the demo gateway, with the spool bridge on `spool_dir`.

    Raises:
        OSError: no port, or the server failed to start.

    """
    port = pick_port()
    demo = DemoGateway(build_demo_gateway(now, port=port), port, spool_dir)
    demo.start(heartbeat=clock)
    if port != DEMO_PORT:
        demo.notes.append(f"Port {DEMO_PORT} was busy; the demo gateway listens on {demo.url}.")
    return demo
