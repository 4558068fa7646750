"""Shared fixtures: real Go Pushgateway (oracle), our gateway in a thread, a private PostgreSQL, thread-leak guard."""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence

import pytest

from bridge.gateway.config import GatewayConfig
from tests.support import oracles
from tests.support.diff import Pair
from tests.support.postgres import PgCluster, bin_dir
from tests.support.servers import GO_1_5, GO_1_11, GoGateway, ThreadGateway

REQUIRE_ORACLES = os.environ.get("PGW_REQUIRE_ORACLES") == "1"


def require_binary(name: str) -> str:
    """The path of a real program the test needs; fail (in CI) or skip (elsewhere) when missing."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (`make test` installs it with apt)"
        if REQUIRE_ORACLES:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(autouse=True)
def _quiet_gateway_logs() -> Iterator[None]:
    logger = logging.getLogger("bridge")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(previous)


def require_go(version: str = GO_1_11) -> None:
    """Fail (in CI) or skip (elsewhere) when the Go Pushgateway of `version` cannot run here."""
    if version == GO_1_11:
        oracles.require(oracles.PUSHGATEWAY)
    else:
        assert version == GO_1_5, version
        require_binary("prometheus-pushgateway")


@pytest.fixture
def go_gateway() -> Iterator[Callable[..., GoGateway]]:
    """Factory for real Go Pushgateway processes, 1.11.0 unless `version=` says 1.5.1 (stopped at the end of the test)."""
    started: list[GoGateway] = []

    def start(args: Sequence[str] = (), prefix: str = "", version: str = GO_1_11) -> GoGateway:
        require_go(version)
        gw = GoGateway(args, prefix=prefix, version=version)
        started.append(gw)
        return gw

    yield start
    for gw in started:
        gw.stop()


@pytest.fixture
def our_gateway() -> Iterator[Callable[..., ThreadGateway]]:
    """Factory for our gateway served on a real loopback socket from a background thread."""
    started: list[ThreadGateway] = []

    def start(config: GatewayConfig | None = None) -> ThreadGateway:
        gw = ThreadGateway(config)
        started.append(gw)
        return gw

    yield start
    for gw in started:
        gw.stop()


@pytest.fixture
def pair(
    go_gateway: Callable[..., GoGateway], our_gateway: Callable[..., ThreadGateway]
) -> Iterator[Callable[..., Pair]]:
    """Factory for a (Go of `version`, ours) pair started with equivalent flags."""
    pairs: list[Pair] = []

    def start(
        go_args: Sequence[str] = (), config: GatewayConfig | None = None, prefix: str = "", version: str = GO_1_11
    ) -> Pair:
        go = go_gateway(go_args, prefix=prefix, version=version)
        ours = our_gateway(config)
        p = Pair(go.url, ours.url)
        pairs.append(p)
        return p

    yield start
    for p in pairs:
        p.close()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A private PostgreSQL on a loopback port for the whole session (each test takes a fresh database)."""
    if bin_dir() is None:
        message = "PostgreSQL is not installed (`make test` installs Debian's postgresql)"
        if REQUIRE_ORACLES:
            pytest.fail(message)
        pytest.skip(message)
    cluster = PgCluster()
    cluster.start()
    yield cluster
    cluster.destroy()


@pytest.fixture
def pg_dsn(pg_cluster: PgCluster) -> str:
    """The DSN of a new, empty database on the session's cluster."""
    return pg_cluster.fresh_database()


@pytest.fixture
def no_thread_leaks() -> Iterator[None]:
    """Fail if the test leaves threads running (watchdog observers, pushers)."""
    before = set(threading.enumerate())
    yield
    import time

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not leaked:
            return
        time.sleep(0.05)
    pytest.fail(f"threads leaked: {leaked}")


from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("default", max_examples=100, deadline=None)
settings.register_profile("fuzz", max_examples=20_000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
