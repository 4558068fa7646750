"""`make bench`: the Go Pushgateway (1.11.0 and 1.5.1) and pgw-bridge serve side by side, 8 scenarios (8: replicas on PostgreSQL), RESULTS.md and JSON.

    python -m bench.run [--quick] [--kinds go111,go,mem,durable] [--no-extras | --no-tui] [--only-wipe]

Starts every server itself on loopback ports (Go 1.11.0 from the oracle cache and Go 1.5.1, in
memory; ours in memory and with --persistence.file), drives each with the same load, samples
each server's CPU and RSS from /proc, and writes bench/RESULTS.md and bench/out/results.json;
every ratio is ours against each Go. `--quick` is a smoke run (about 3 minutes); the full run
takes about 15 minutes on 2 cores. Whatever RESULTS.md holds from the line `KEEP_MARKER` on
(hand-written notes: before/after studies, profiles) is kept below the new figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import extras, headtohead, report
from bench.procs import GO_111_BINARY, GO_KINDS, REPO, go_version
from bench.scenarios import FULL, QUICK, run_kind, run_wipe_only

OUT = REPO / "bench" / "out"
RESULTS = REPO / "bench" / "RESULTS.md"
KEEP_MARKER = "<!-- hand-written from here on: bench.run keeps it below the figures it writes -->"
KIND_NAMES = {
    "go111": "Go Pushgateway 1.11.0 (in memory)",
    "go": "Go Pushgateway 1.5.1 (in memory)",
    "mem": "ours in memory",
    "durable": "ours with --persistence.file",
}


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    try:
        wrk_version = subprocess.run(["wrk", "-v"], check=False, capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        wrk_version = "not installed"
    from bridge import __version__

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "go_gateway": " and ".join(go_version(kind) for kind in GO_KINDS),
        "ours": f"pgw-bridge {__version__} ({_git_revision()})",
        "wrk": wrk_version.split(" [")[0],
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "loadavg_start": os.getloadavg(),
    }


def _git_revision() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, check=False, capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, check=False, capture_output=True, text=True
    ).stdout
    return out.stdout.strip() + ("+dirty" if dirty.strip() else "")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def write_markdown(data: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    m = data["machine"]
    mode = "quick smoke run" if data["quick"] else "full run"
    lines = [
        "# Benchmarks: pgw-bridge serve vs the Go Pushgateway 1.11.0 and 1.5.1",
        "",
        f"Latest {mode}: `{data['command']}`, {data['duration_s'] / 60:.1f} min, {m['date']}.",
        "",
        f"- machine: {m['cpu']}, {m['cores']} cores, Linux {m['kernel']}; load average "
        f"{m['loadavg_start'][0]:.2f} at the start, {m['loadavg_end'][0]:.2f} at the end (cores shared with other work)",
        f"- Go: {m['go_gateway']}; ours: {m['ours']} on Python {m['python']}; load: {m['wrk']} and stdlib http.client",
        "",
        "Issue 12's gateway targets, each a ratio to Go measured in this run. The rows marked "
        "head to head come from all servers running at once, measured in alternating rounds (median "
        "of the rounds; see bench/headtohead.py); the others are rows of the full table below:",
        "",
        report.markdown_table(rows, goals_only=True),
        "",
        "All figures:",
        "",
        report.markdown_table(rows),
        "",
        *cpu_lines(data),
        "",
        "How it is measured (same load for each server, each a real process on loopback):",
        "- Groups: 10 series in 5 families whose names every group shares, grouping key "
        "`job=bench-NNN/instance=host-NNNNN`; series counts exclude the gateway's two timestamp series.",
        "- 1: sequential PUTs on one keep-alive connection (stdlib http.client), each replacing a stored "
        "group in turn, in three rounds at different moments (before the scrapes, after them, at the end); "
        "p50 is the median of the rounds' medians, p99 is over all samples. Go's samples are bounded at "
        "10k+ groups (one round; a push there takes seconds): the note gives n.",
        "- 2: wrk, 2 threads, 16 connections, PUTs to the groups in turn, "
        f"{data['plan']['wrk_seconds']:g} s. 3: median of full GETs to the last byte (gzip: `Accept-Encoding: gzip`).",
        "- 4: (VmRSS after filling − VmRSS of the empty server) ÷ stored series.",
        "- 6: DELETE one group at a time on one connection, then `PUT /api/v1/admin/wipe`; Go answers both "
        "with 202 before applying them, so each is timed until a read of /api/v1/metrics shows the groups gone. "
        "Meanwhile a client on a keep-alive connection of its own pushes a 1-series group (10 in turn) back to "
        "back from the moment the wipe is answered, for 3 s or, durable, until a read-only connection to the file "
        "finds no wiped row left if that takes longer: the stall rows are its worst push and p99.",
        "- Go's stores of 1k+ groups are loaded from a persistence file written by a loader instance "
        "of the same version running with `--push.disable-consistency-check` (filling 50k groups through "
        "Go's checked path takes hours: every push re-gathers the whole store, in 1.11 as in 1.5.1). The "
        "measured Go instance runs with the check on and `--persistence.interval=1000h`, so it never "
        "writes the file during the run.",
        "- CPU (utime+stime) and RSS come from /proc for every server; per-scenario figures, "
        "client CPU shares and wrk's CPU are in bench/out/results.json.",
        "",
        extras.markdown(data.get("bridge", {}), data.get("tui", {})),
        "",
        extras.replicas_markdown(data.get("replicas", {})),
        "",
    ]
    return "\n".join(lines)


def cpu_lines(data: dict[str, Any]) -> list[str]:
    """Who used the CPU during the throughput runs, and proof the load generators were not the limit."""
    lines = ["CPU during the throughput runs (cores; utime+stime from /proc) and the load generators' own share:", ""]
    for kind, result in data["results"].items():
        small = result.get("throughput_small", {})
        big = result.get("levels", {}).get(data["plan"]["throughput_level"], {}).get("throughput", {})
        clients = [
            level["latency"]["client_cpu_share"] for level in result.get("levels", {}).values() if "latency" in level
        ]
        lines.append(
            f"- {KIND_NAMES[kind]}: server {small.get('server_cores', 0):.2f} cores at 10 groups, "
            f"{big.get('server_cores', 0):.2f} at 10,000; wrk {small.get('wrk_cpu_share', 0):.2f} and "
            f"{big.get('wrk_cpu_share', 0):.2f} of a core; latency client at most {max(clients, default=0):.2f} of a core"
        )
    return lines


def kept_notes() -> str:
    """The hand-written part of the current RESULTS.md (from KEEP_MARKER on), or nothing."""
    old = RESULTS.read_text() if RESULTS.is_file() else ""
    at = old.find(KEEP_MARKER)
    return "" if at < 0 else "\n" + old[at:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small stores, few samples (< 2 min)")
    parser.add_argument(
        "--kinds", default="go111,go,mem,durable", help="servers to run (go111: Go 1.11.0, go: Go 1.5.1, mem, durable)"
    )
    parser.add_argument("--no-extras", action="store_true", help="skip scenarios 7 and 8 (bridge, TUI, replicas)")
    parser.add_argument("--no-tui", action="store_true", help="skip the TUI bench of scenario 7 (bench.tui)")
    parser.add_argument("--no-write", action="store_true", help="print only; keep RESULTS.md as it is")
    parser.add_argument(
        "--only-wipe",
        action="store_true",
        help="scenario 6 alone (delete, wipe and its stall probe at the top level; implies --no-extras)",
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None and not args.only_wipe:
        print("bench: wrk is not installed (apt-get install wrk, or make system-deps)", file=sys.stderr)
        return 2
    if "go111" in args.kinds.split(",") and not GO_111_BINARY.is_file():
        print(
            f"bench: Go 1.11.0 is not in {GO_111_BINARY} (scripts/fetch-oracles.sh; make bench runs it)",
            file=sys.stderr,
        )
        return 2
    plan = QUICK if args.quick else FULL
    began = time.perf_counter()
    data: dict[str, Any] = {"machine": machine(), "quick": args.quick, "plan": plan.__dict__}
    data["command"] = "python -m bench.run" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        for kind in args.kinds.split(","):
            log(f"--- {KIND_NAMES[kind]}")
            results[kind] = (run_wipe_only if args.only_wipe else run_kind)(kind, plan, Path(tmp), log)
        kinds = args.kinds.split(",")
        if args.only_wipe:
            data["head_to_head"] = {}
        else:
            log("--- issue 12's small-store figures, every server up at once, alternating rounds")
            data["head_to_head"] = headtohead.run(kinds, Path(tmp), 3 if args.quick else 5, plan.wrk_seconds / 2, log)
    data["results"] = results
    if not (args.no_extras or args.only_wipe):
        log("--- scenario 7: bench.bridge")
        data["bridge"] = extras.bridge(args.quick, log)
        if not args.no_tui:
            log("--- scenario 7: bench.tui")
            data["tui"] = extras.tui(args.quick, log)
        else:
            data["tui"] = {"error": "not run (--no-tui)"}
        log("--- scenario 8: bench.replicas")
        data["replicas"] = extras.replicas(args.quick, log)
    data["duration_s"] = time.perf_counter() - began
    data["machine"]["loadavg_end"] = os.getloadavg()
    rows = report.build_rows(results, plan.levels, data["head_to_head"])
    data["rows"] = rows
    text = write_markdown(data, rows)
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(data, indent=1, default=str) + "\n")
    if not (args.no_write or args.only_wipe):
        RESULTS.write_text(text + kept_notes())
    log(f"done in {data['duration_s'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
