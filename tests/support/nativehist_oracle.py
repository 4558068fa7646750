"""Ask the real Pushgateway 1.11.0 for the `/api/v1/metrics` answer to native histograms; the golden file."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.support import nativehist_pb, oracles
from tests.support.nativehist_cases import CASES, DROPPED, Case
from tests.support.servers import free_port, wait_ready

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "nativehist" / "api-1.11.0.json"
RECORD_ENV = "PGW_RECORD_NATIVEHIST"
HOW_TO_RECORD = (
    f"re-record with `{RECORD_ENV}=1 .venv/bin/python -m pytest tests/differential/test_nativehist_oracle.py` "
    "(needs the 1.11.0 binary: scripts/fetch-oracles.sh) and review the diff before committing"
)


@contextmanager
def pushgateway_111(*args: str) -> Iterator[str]:
    """The 1.11.0 oracle on a free loopback port, with `args` (skipped or failed by oracles.require when absent)."""
    port = free_port()
    proc = subprocess.Popen(
        oracles.pushgateway_command(f"127.0.0.1:{port}", *args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{url}/-/ready", proc=proc)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _push(client: httpx.Client, url: str, job: str, cases: Sequence[Case]) -> None:
    families = [
        nativehist_pb.family(
            c.family,
            c.native,
            sample_count=c.sample_count,
            sample_count_float=c.sample_count_float,
            sample_sum=c.sample_sum,
        )
        for c in cases
    ]
    body = nativehist_pb.delimited(families)
    response = client.put(
        f"{url}/metrics/job/{job}", content=body, headers={"Content-Type": nativehist_pb.PROTOBUF_CONTENT_TYPE}
    )
    assert response.status_code == 200, (response.status_code, response.text)


def api_answers(url: str, cases: Sequence[Case] = CASES) -> dict[str, dict[str, Any]]:
    """Each case's metric as the gateway's `/api/v1/metrics` shows it (labels left out)."""
    with httpx.Client(timeout=60) as client:
        _push(client, url, "nativehist", cases)
        groups = client.get(f"{url}/api/v1/metrics").json()["data"]
        client.delete(f"{url}/metrics/job/nativehist")
    (group,) = [g for g in groups if g["labels"].get("job") == "nativehist"]
    out: dict[str, dict[str, Any]] = {}
    for case in cases:
        (metric,) = group[case.family]["metrics"]
        out[case.name] = {k: v for k, v in metric.items() if k != "labels"}
    return out


def drops_connection(url: str, case: Case) -> bool:
    """Whether `/api/v1/metrics` ends without any response while this histogram is stored."""
    with httpx.Client(timeout=60) as client:
        _push(client, url, f"dropped_{case.name}", [case])
        try:
            client.get(f"{url}/api/v1/metrics")
            dropped = False
        except httpx.RemoteProtocolError:
            dropped = True
        client.delete(f"{url}/metrics/job/dropped_{case.name}")
    return dropped


def record(url: str) -> dict[str, Any]:
    """The golden file's content, asked of the oracle at `url`."""
    answers = api_answers(url)
    return {
        "comment": f"Recorded from the real Pushgateway {oracles.PUSHGATEWAY.version} (Debian 13); {HOW_TO_RECORD}.",
        "oracle": f"{oracles.PUSHGATEWAY.name} {oracles.PUSHGATEWAY.version}",
        "answers": {c.name: {"input": c.as_json(), **answers[c.name]} for c in CASES},
        "dropped": {c.name: {"input": c.as_json(), "dropped": drops_connection(url, c)} for c in DROPPED},
    }


def load() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOLDEN.read_text())
    return data


_FLAT_LIST = re.compile(r"\[\n\s*([^\[\]{}]*?)\n\s*\]")


def write(data: dict[str, Any]) -> None:
    """Indented JSON with each list of scalars (a bucket, a span) on one line, for reviewable diffs."""
    text = json.dumps(data, indent=1, ensure_ascii=False)
    text = _FLAT_LIST.sub(lambda m: "[" + re.sub(r",\n\s*", ", ", m.group(1)) + "]", text)
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_text(text + "\n")
