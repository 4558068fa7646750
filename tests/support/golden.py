"""Golden answers: what the real Go Pushgateway answered to each named case, one JSON file per case group.

`tests/golden/<oracle version>/<group>.json` maps a case name to its digest (method, path, headers,
body and flags of every request, so an edited case cannot keep its old answers) and Go's
normalised transcript. The oracle run checks Go against these files and `make golden`
(PGW_GOLDEN=record) rewrites them; the in-process replay in tests/http checks ours against them.
The directory is the version the oracle binary reports (`GO_BINARY --version`), so recording with
another oracle binary writes its own directory beside the others.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.support.diff import Case, Transcript, explain
from tests.support.servers import GO_BINARY

ROOT = Path(__file__).resolve().parents[1] / "golden"
REPLAYED_VERSION = "1.5.1"
"""The oracle whose answers `make test` replays without the binary (the one the oracle run starts)."""
RECORDING = os.environ.get("PGW_GOLDEN") == "record"
HOW_TO_RECORD = "re-record with `make golden` (needs the Go binary) and review the diff before committing"
_VERSION = re.compile(r"^[a-z-]+, version (\d+\.\d+\.\d+)", re.MULTILINE)


@functools.cache
def oracle_banner(binary: str = GO_BINARY) -> str:
    """The first line of `<binary> --version` (Go's flag library prints it on stderr in 1.5.1)."""
    done = subprocess.run([binary, "--version"], capture_output=True, timeout=30, check=False)
    return (done.stdout + done.stderr).decode(errors="replace").strip().splitlines()[0]


def oracle_version(binary: str = GO_BINARY) -> str:
    """The upstream version the oracle binary reports: the golden directory it is checked against."""
    match = _VERSION.search(oracle_banner(binary))
    assert match is not None, f"cannot read the version of {binary}: {oracle_banner(binary)!r}"
    return match.group(1)


def digest(case: Case) -> str:
    """A fingerprint of everything the case sends and the flags it runs with."""
    described = {
        "requests": [[r.method, r.path, sorted(r.headers.items()), r.body.hex()] for r in case.requests],
        "go_args": list(case.go_args),
        "config": sorted((k, repr(v)) for k, v in case.config.items()),
        "prefix": case.prefix,
        "telemetry": case.telemetry,
        "state": case.state,
    }
    return hashlib.sha256(json.dumps(described).encode()).hexdigest()[:16]


def entry(case: Case, transcript: Transcript) -> dict[str, Any]:
    return {"digest": digest(case), **transcript.as_json()}


def path(version: str, group: str) -> Path:
    return ROOT / version / f"{group}.json"


@functools.cache
def load(version: str, group: str) -> Mapping[str, Any]:
    """The recorded cases of one group ({} when the file does not exist)."""
    file = path(version, group)
    if not file.exists():
        return {}
    cases: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))["cases"]
    return cases


def mismatch(version: str, group: str, name: str, case: Case, got: Transcript, *, who: str, hint: str) -> str | None:
    """Why `got` does not equal the recorded answers for the case (ending with `hint`), or None when it does."""
    where = path(version, group).relative_to(ROOT.parents[1])
    recorded = load(version, group).get(name)
    if recorded is None:
        return f"{where} has no answers recorded for {name!r}: {HOW_TO_RECORD}"
    if recorded["digest"] != digest(case):
        return f"{where}: case {name!r} changed since its answers were recorded: {HOW_TO_RECORD}"
    if recorded != entry(case, got):
        what = f"{who} answered {name!r} differently from {where} ({hint})"
        return explain(what, recorded, entry(case, got), expected_name="golden", got_name=who)
    return None


class Recorder:
    """Collects Go's transcripts during a `make golden` run and writes each touched group file once."""

    def __init__(self) -> None:
        self.recorded: dict[tuple[str, str], dict[str, Any]] = {}
        self.banner: dict[str, str] = {}

    def add(
        self, version: str, group: str, name: str, case: Case, transcript: Transcript, binary: str = GO_BINARY
    ) -> None:
        self.recorded.setdefault((version, group), {})[name] = entry(case, transcript)
        self.banner[version] = oracle_banner(binary)

    def write(self, known: Mapping[str, Mapping[str, Case]]) -> list[Path]:
        """Write every group recorded into; keep unrecorded cases that still exist, drop removed ones."""
        written = []
        for (version, group), new in sorted(self.recorded.items()):
            old = load(version, group)
            cases = {name: new.get(name, old.get(name)) for name in known[group]}
            document = {
                "comment": f"Recorded from the real Go Pushgateway by `make golden`; {HOW_TO_RECORD}.",
                "oracle": self.banner[version],
                "cases": {name: value for name, value in cases.items() if value is not None},
            }
            file = path(version, group)
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            written.append(file)
        load.cache_clear()
        return written


RECORDER = Recorder()
