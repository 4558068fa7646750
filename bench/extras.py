"""Scenarios 7 and 8 through their own modules: the spool bridge (bench.bridge), the TUI (bench.tui), replicas (bench.replicas)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.procs import REPO


def _run_module(args: list[str], marker: str, log: Any) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, check=False, capture_output=True, text=True, timeout=1800
    )
    if out.returncode != 0:
        log(f"{args[0]} failed: {out.stderr[-2000:]}")
        return {"error": out.stderr[-2000:]}
    for line in out.stdout.splitlines():
        if line.startswith(marker):
            path = Path(line[len(marker) :].strip())
            return dict(json.loads((path if path.is_absolute() else REPO / path).read_text()))
    return {"error": "no JSON written"}


def bridge(quick: bool, log: Any) -> dict[str, Any]:
    args = ["bench.bridge", "--samples", "20" if quick else "100", "--files", "200" if quick else "1000"]
    return _run_module(args, "written ", log)


def tui(quick: bool, log: Any) -> dict[str, Any]:
    args = ["bench.tui", "--groups", "2000" if quick else "10000,50000", "--rounds", "2" if quick else "5"]
    return _run_module(args, "JSON: ", log)


def replicas(quick: bool, log: Any) -> dict[str, Any]:
    return _run_module(["bench.replicas", *(["--quick"] if quick else [])], "JSON: ", log)


def replicas_markdown(result: dict[str, Any]) -> str:
    return str(result.get("markdown") or f"## 8. Replicas on one PostgreSQL\n\n{result.get('error', 'not run')}")


def markdown(bridge_result: dict[str, Any], tui_result: dict[str, Any]) -> str:
    lines = ["## 7. Spool bridge and TUI", ""]
    rows = bridge_result.get("rows")
    if rows:
        files = bridge_result.get("args", {}).get("files")
        lines += [
            f"| bridge mode | file→visible p50 | p99 | {files:,} files delivered | files/s |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for r in rows:
            lines.append(
                f"| {r['mode']} | {r['latency_p50_ms']:.1f} ms | {r['latency_p99_ms']:.1f} ms "
                f"| {r['burst_drained_seconds']:.2f} s | {r['burst_files_per_second']:.0f} |"
            )
    else:
        lines.append(f"bridge: {bridge_result.get('error', 'not run')}")
    lines.append("")
    runs = {int(groups): run for groups, run in tui_result.get("runs", {}).items()}
    if runs:
        from bench.tui import markdown_run, markdown_targets

        lines += markdown_targets(runs)
        for groups in sorted(runs):
            lines += ["", *markdown_run(runs[groups])]
        lines += ["", f"TUI load average: {tui_result.get('loadavg', 'not recorded')}."]
    else:
        lines.append(f"TUI: {tui_result.get('error', 'not run')}")
    return "\n".join(lines)
