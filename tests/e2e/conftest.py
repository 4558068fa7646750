"""End-to-end fixtures: real `pgw-bridge serve` processes, always stopped, their logs shown when a test fails."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.pki import Pki, make_pki
from tests.support.servers import BridgeProcess

StartBridge = Callable[..., BridgeProcess]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def failed_in(request: pytest.FixtureRequest) -> bool:
    """Whether the requesting test failed in setup or call (so teardown can show logs)."""
    return any(getattr(getattr(request.node, f"rep_{when}", None), "failed", False) for when in ("setup", "call"))


@pytest.fixture
def bridge(request: pytest.FixtureRequest) -> Iterator[StartBridge]:
    """Factory for real `pgw-bridge serve` processes; every one is stopped at the end of the test."""
    started: list[BridgeProcess] = []

    def start(args: Sequence[str] = (), **kwargs: Any) -> BridgeProcess:
        proc = BridgeProcess(args, **kwargs)
        started.append(proc)
        return proc

    yield start
    failed = failed_in(request)
    for proc in started:
        if proc.proc.poll() is None:
            proc.stop(signal.SIGTERM)
        else:
            proc.kill()  # closes the log handle
        if failed:
            sys.stderr.write(f"\n----- pgw-bridge {proc.proc.args!r} -----\n")
            sys.stderr.write(proc.stderr_path.read_text(errors="replace")[-20000:])
        proc.stderr_path.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A CA, a server certificate for 127.0.0.1, a client certificate, and a client from another CA."""
    return make_pki(Path(tmp_path_factory.mktemp("pki")))
