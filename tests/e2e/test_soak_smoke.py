"""The soak script runs end to end (a few seconds) so it does not rot between manual runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.servers import REPO

pytestmark = pytest.mark.slow


def test_soak_script_runs_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.soak",
            "--seconds",
            "2",
            "--groups",
            "20",
            "--sample-every",
            "0.5",
            "--out",
            str(out),
        ],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| push |" in result.stdout and "RSS (" in result.stdout
    report = json.loads(out.read_text())
    assert report["five_xx"] == 0 and report["transport_errors"] == 0 and report["gateway_exit_status"] == 0
    for kind in ("push", "delete", "scrape", "api"):
        assert report["kinds"][kind]["requests"] > 0, kind
    assert report["rss"]["samples"] >= 2
