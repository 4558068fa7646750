"""Extensions in a real process: group TTL with per-job rules (metric, log, persistence) and per-family delete."""

from __future__ import annotations

import base64
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import StartBridge
from tests.e2e.helpers import api_groups, groups_by_labels, label_key, poll

pytestmark = pytest.mark.slow


def b64(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def groups(client: httpx.Client) -> dict[Any, Any]:
    return groups_by_labels(api_groups(client))


def expired_counts(client: httpx.Client) -> dict[str, float]:
    text = client.get("/metrics").text
    counts: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        if family.name == "pgw_bridge_groups_expired":
            for sample in family.samples:
                if sample.name.endswith("_total"):
                    counts[sample.labels["job"]] = sample.value
    return counts


# ------------------------------------------------------------------ TTL
TTL_ARGS = [
    "--push.group-ttl=3s",
    "--push.group-ttl-rule=refreshed=2s",
    "--push.group-ttl-rule=keep.*=1h",  # first full match wins: keep_short lives an hour
    "--push.group-ttl-rule=.*short.*=1s",
]
TTL = {"refreshed": 2.0, "is_short": 1.0, "keep_short": 3600.0, "keep": 3600.0, "xkeep": 3.0, "plain": 3.0}


def test_group_ttl_with_per_job_rules(bridge: StartBridge, tmp_path: Path) -> None:
    db = tmp_path / "ttl.sqlite"
    server = bridge([f"--persistence.file={db}", *TTL_ARGS])
    with httpx.Client(base_url=server.url, timeout=10) as client:
        info = client.get("/api/v1/extensions").json()["data"]["group_ttl"]
        assert info == {
            "default_seconds": 3.0,
            "rules": [
                {"job": "refreshed", "seconds": 2.0},
                {"job": "keep.*", "seconds": 3600.0},
                {"job": ".*short.*", "seconds": 1.0},
            ],
        }
        sent: dict[str, float] = {}
        for job in ("is_short", "keep_short", "keep", "xkeep", "plain"):
            sent[job] = time.monotonic()
            assert (
                client.put(f"/metrics/job/{job}/instance/a", content=f'ttl_value{{n="{job}"}} 1\n').status_code == 200
            )
        # A group that only ever failed expires by its failure time.
        sent["is_short_failed"] = time.monotonic()
        failed = client.put("/metrics/job/is_short_failed", content="ttl_value 1 1700000000000\n")
        assert failed.status_code == 400

        # A group pushed again and again stays, although its TTL (2s) passes twice over.
        refreshed_until = time.monotonic() + 4
        while time.monotonic() < refreshed_until:
            sent["refreshed"] = time.monotonic()
            answer = client.post("/metrics/job/refreshed", content="ttl_refreshed 1\n")
            assert answer.status_code == 200
            time.sleep(0.25)
        assert label_key({"job": "refreshed"}) in groups(client)

        gone_at: dict[str, float] = {}

        def all_expired() -> bool:
            present = {dict(key).get("job") for key in groups(client)}
            now = time.monotonic()
            for job in ("is_short", "is_short_failed", "xkeep", "plain", "refreshed"):
                if job not in present:
                    gone_at.setdefault(job, now)
            return len(gone_at) == 5

        poll(all_expired, timeout=15, what="the short-lived groups to expire", interval=0.1)
        for job, at in gone_at.items():
            ttl = TTL.get(job, 1.0)  # is_short_failed: the .*short.* rule
            assert at - sent[job] >= ttl, f"{job} expired {at - sent[job]:.2f}s after its push; its TTL is {ttl}s"
        present = groups(client)
        assert label_key({"job": "keep", "instance": "a"}) in present
        assert label_key({"job": "keep_short", "instance": "a"}) in present

        counts = expired_counts(client)
        assert counts == {"is_short": 1, "is_short_failed": 1, "xkeep": 1, "plain": 1, "refreshed": 1}
    logs = server.logs()
    for group, age in _expiry_log(logs):
        job = group.split("/")[3]
        assert age > TTL.get(job, 1.0), f"{group} expired at age {age}s, within its TTL"
    for path in (
        "group=/metrics/job/is_short/instance/a ",
        "group=/metrics/job/plain/instance/a ",
        "group=/metrics/job/refreshed ",
    ):
        assert any("group expired" in line and path in line for line in logs.splitlines()), f"no log line for {path}"

    # Expiry is a delete like any other: it is persisted.
    assert server.stop() == 0
    again = bridge([f"--persistence.file={db}"])
    with httpx.Client(base_url=again.url, timeout=10) as client:
        assert {dict(k)["job"] for k in groups(client)} == {"keep", "keep_short"}


def test_without_ttl_nothing_expires(bridge: StartBridge) -> None:
    server = bridge()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.put("/metrics/job/forever", content="forever_value 1\n").status_code == 200
        assert client.get("/api/v1/extensions").json()["data"]["group_ttl"] == {"default_seconds": 0.0, "rules": []}
        time.sleep(1.5)  # longer than the shortest sweep; nothing may happen
        assert label_key({"job": "forever"}) in groups(client)
        assert expired_counts(client) == {}


# ------------------------------------------------------------------ per-family delete
BODY = """# HELP fam_a A.
# TYPE fam_a gauge
fam_a{x="1"} 1
fam_a{x="0"} 2
# TYPE fam_b counter
fam_b 3
# TYPE fam_c histogram
fam_c_bucket{le="1"} 1
fam_c_bucket{le="+Inf"} 2
fam_c_sum 1.5
fam_c_count 2
"""


def test_family_delete_keeps_push_time(bridge: StartBridge, tmp_path: Path) -> None:
    db = tmp_path / "fam.sqlite"
    server = bridge([f"--persistence.file={db}"])
    one = label_key({"job": "fam/job", "instance": "i 1"})
    two = label_key({"job": "fam/job", "instance": "i2"})
    url_one = f"/job@base64/{b64('fam/job')}/instance/i%201"
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.put(f"/metrics{url_one}", content=BODY).status_code == 200
        assert client.put(f"/metrics/job@base64/{b64('fam/job')}/instance/i2", content=BODY).status_code == 200
        time.sleep(0.01)  # so that a wrongly refreshed push_time_seconds would differ
        before = groups(client)

        answer = client.delete(f"/api/v1/extensions/family/fam_a{url_one}")
        assert answer.status_code == 202, answer.text
        after = groups(client)
        expected = {k: v for k, v in before[one].items() if k != "fam_a"}
        assert after[one] == expected, "only fam_a may change; push_time_seconds must stay exactly as it was"
        assert after[two] == before[two], "another group lost a family"
        assert 'fam_a{instance="i 1"' not in client.get("/metrics").text
        assert 'fam_a{instance="i2"' in client.get("/metrics").text

        # The @base64 grammar for the job and for label values.
        path = f"/api/v1/extensions/family/fam_b/job@base64/{b64('fam/job')}/instance@base64/{b64('i 1')}"
        assert client.delete(path).status_code == 202
        # Errors: unknown family, unknown group, gateway-managed family, bad grouping key.
        assert client.delete(f"/api/v1/extensions/family/fam_b{url_one}").status_code == 404
        assert client.delete("/api/v1/extensions/family/fam_a/job/nope").status_code == 404
        # `9bad` is a name 1.11 stores (protobuf pushes), so here it is merely absent.
        assert client.delete(f"/api/v1/extensions/family/9bad{url_one}").status_code == 404
        for family in ("push_time_seconds", "push_failure_time_seconds"):
            answer = client.delete(f"/api/v1/extensions/family/{family}{url_one}")
            assert answer.status_code == 400, (family, answer.text)
        assert client.delete("/api/v1/extensions/family/fam_c/job@base64/!!!").status_code == 400

        # The last family goes; the group stays with its timestamps, as after an empty PUT.
        assert client.delete(f"/api/v1/extensions/family/fam_c{url_one}").status_code == 202
        final = groups(client)
        assert set(final[one]) == {"labels", "last_push_successful", "push_time_seconds", "push_failure_time_seconds"}
        assert final[one]["push_time_seconds"] == before[one]["push_time_seconds"]

    assert server.stop() == 0
    restarted = bridge([f"--persistence.file={db}"])
    with httpx.Client(base_url=restarted.url, timeout=10) as client:
        assert groups(client) == final, "family deletes were not persisted exactly"


def _expiry_log(logs: str) -> list[tuple[str, float]]:
    """(group path, age_seconds) of every "group expired" log line."""
    out = []
    for line in logs.splitlines():
        if 'msg="group expired"' in line:
            group = re.search(r"group=(\S+)", line)
            age = re.search(r"age_seconds=(-?[0-9.]+)", line)
            assert group and age, line
            out.append((group.group(1), float(age.group(1))))
    return out


def test_a_group_pushed_during_a_sweep_is_not_expired(bridge: StartBridge, tmp_path: Path) -> None:
    """The sweep decides from a list made when it starts; a group pushed while it runs is fresh and must stay."""
    db = tmp_path / "race.sqlite"
    bulk = 1000
    server = bridge([f"--persistence.file={db}"])
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for i in range(bulk):
            assert client.put(f"/metrics/job/race/instance/b{i}", content=f"race_value {i}\n").status_code == 200
        assert client.put("/metrics/job/race/instance/victim", content="race_value -1\n").status_code == 200
    pushed = time.monotonic()
    assert server.stop() == 0
    time.sleep(max(0.0, pushed + 2.2 - time.monotonic()))  # setup: every group is now older than its TTL

    # On start every group is stale; the first sweep deletes them in order, the victim last.
    server = bridge([f"--persistence.file={db}", "--push.group-ttl-rule=race=2s"])
    poll(lambda: 'msg="group expired"' in server.logs(), timeout=20, what="the first sweep to start")
    with httpx.Client(base_url=server.url, timeout=10) as client:
        answer = client.put("/metrics/job/race/instance/victim", content="race_value 1\n")
        assert answer.status_code == 200
        refreshed = time.monotonic()
        poll(
            lambda: len(_expiry_log(server.logs())) >= bulk,
            timeout=30,
            what="the sweep to get through the stale groups",
        )
        victim_present = label_key({"job": "race", "instance": "victim"}) in groups(client)
        checked = time.monotonic()
    too_young = [(group, age) for group, age in _expiry_log(server.logs()) if age <= 2.0]
    assert not too_young, f"groups expired before their TTL of 2s: {too_young}"
    if checked - refreshed < 2.0:
        assert victim_present, "the group pushed during the sweep was deleted"
