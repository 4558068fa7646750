"""Where the 1.11 oracles are: Debian 13's pushgateway 1.11.0 and prometheus/promtool 2.53.3."""

from __future__ import annotations

import functools
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("PGW_ORACLE_CACHE") or REPO / ".cache" / "oracles")
ROOT = CACHE / "root"
FETCH = "scripts/fetch-oracles.sh"


@dataclass(frozen=True)
class Oracle:
    """One binary unpacked from a trixie .deb by scripts/fetch-oracles.sh, and the version it must report."""

    name: str
    version: str

    @property
    def path(self) -> Path:
        return ROOT / "usr" / "bin" / self.name


PUSHGATEWAY = Oracle("prometheus-pushgateway", "1.11.0")
PROMETHEUS = Oracle("prometheus", "2.53.3")
PROMTOOL = Oracle("promtool", "2.53.3")

# The Debian build reads its web UI from disk (a Debian-only flag); without this it would use the
# system's 1.5.1 template.html, if one is installed.
PUSHGATEWAY_ASSETS = ROOT / "usr" / "share" / "prometheus" / "pushgateway"

_VERSION_LINE = re.compile(r"^[a-z-]+, version (\d+\.\d+\.\d+)", re.MULTILINE)


def required() -> bool:
    """CI (and `make test`) sets PGW_REQUIRE_ORACLES=1: a missing oracle is a failure, not a skip."""
    return os.environ.get("PGW_REQUIRE_ORACLES") == "1"


@functools.cache
def reported_version(path: Path) -> str | None:
    """The upstream version in `<binary> --version`, e.g. 1.11.0 from `1.11.0+ds`; None if it will not run."""
    try:
        done = subprocess.run([path, "--version"], capture_output=True, timeout=30, check=False)
    except OSError:
        return None
    match = _VERSION_LINE.search((done.stdout + done.stderr).decode(errors="replace"))
    return match.group(1) if match else None


def problem(oracle: Oracle) -> str | None:
    """Why the oracle cannot be used, or None when it is there and reports the right version."""
    if not oracle.path.is_file():
        return f"{oracle.name} {oracle.version} is not in {ROOT} (run {FETCH}; `make test` does)"
    got = reported_version(oracle.path)
    if got != oracle.version:
        return f"{oracle.path} reports version {got}, expected {oracle.version} (re-run {FETCH})"
    return None


def require(oracle: Oracle) -> Path:
    """The oracle's path; fail the test when oracles are required, skip it otherwise."""
    reason = problem(oracle)
    if reason is not None:
        if required():
            pytest.fail(reason)
        pytest.skip(reason)
    return oracle.path


def pushgateway_command(listen: str, *args: str) -> list[str]:
    """argv for the 1.11.0 gateway on `listen`, in memory, with its own web assets."""
    return [
        str(require(PUSHGATEWAY)),
        f"--web.listen-address={listen}",
        f"--web.local-assets={PUSHGATEWAY_ASSETS}",
        "--persistence.file=",
        "--log.level=error",
        *args,
    ]
