"""`pgw-bridge exec`: run a command, then drop its duration, exit code and run/success times (POST) into the spool.

The metric names are fixed and the job is in the grouping key, so one alert rule covers every job::

    time() - pgw_exec_last_success_timestamp_seconds > pgw_exec_max_age_seconds
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from bridge.errors import BridgeError
from bridge.protocol.floats import format_text
from bridge.protocol.methods import Method
from bridge.spool.producer import drop

DURATION = "pgw_exec_duration_seconds"
EXIT_CODE = "pgw_exec_exit_code"
LAST_RUN = "pgw_exec_last_run_timestamp_seconds"
LAST_SUCCESS = "pgw_exec_last_success_timestamp_seconds"
MAX_AGE = "pgw_exec_max_age_seconds"

HELP = {
    DURATION: "Wall-clock seconds the job's last run took.",
    EXIT_CODE: "Exit status of the job's last run (128+N if killed by signal N, 127 if the command was not found).",
    LAST_RUN: "Unix time the job's last run finished, successful or not.",
    LAST_SUCCESS: "Unix time the job's last successful run (exit status 0) finished.",
    MAX_AGE: "Longest the job may go without a success (pgw-bridge exec --max-age), in seconds.",
}
FORWARDED = (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)
"""Signals passed on to the command; SIGINT is not (a terminal sends it to the whole process group)."""


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one run of the command came to."""

    exit_code: int
    duration: float
    finished: float


def render(result: RunResult, max_age: float | None) -> bytes:
    """Render the text-format body for one run; the success time only when the exit code is 0."""
    values = {DURATION: result.duration, EXIT_CODE: float(result.exit_code), LAST_RUN: result.finished}
    if result.exit_code == 0:
        values[LAST_SUCCESS] = result.finished
    if max_age is not None:
        values[MAX_AGE] = max_age
    lines = []
    for name, value in values.items():
        lines += [f"# HELP {name} {HELP[name]}", f"# TYPE {name} gauge", f"{name} {format_text(value)}"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def run_command(command: Sequence[str], *, clock: Callable[[], float] = time.time) -> RunResult:
    """Run `command` with this process's stdin/stdout/stderr, forwarding termination signals to it."""
    started = time.monotonic()
    try:
        child = subprocess.Popen(list(command))
    except FileNotFoundError:
        print(f"pgw-bridge exec: {command[0]}: command not found", file=sys.stderr)
        return RunResult(127, time.monotonic() - started, clock())
    except PermissionError:
        print(f"pgw-bridge exec: {command[0]}: permission denied", file=sys.stderr)
        return RunResult(126, time.monotonic() - started, clock())

    def forward(signum: int, _frame: FrameType | None) -> None:
        child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in FORWARDED}
    previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        code = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        signal.signal(signal.SIGINT, previous_int)
    if code < 0:
        code = 128 - code
    return RunResult(code, time.monotonic() - started, clock())


def exec_job(spool: Path, grouping: Mapping[str, str], command: Sequence[str], *, max_age: float | None) -> int:
    """Run the command, drop its metrics into `SPOOL/add/`, and return the command's exit status.

    A failure to write the metrics is reported on stderr; the exit status stays the command's.
    """
    result = run_command(command)
    try:
        drop(spool, grouping, Method.POST, render(result, max_age))
    except (BridgeError, OSError) as exc:  # the job ran; its status must not be masked by our failure
        print(f"pgw-bridge exec: could not drop the job's metrics: {exc}", file=sys.stderr)
    return result.exit_code
