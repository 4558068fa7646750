"""The generated rule files, checked and unit-tested by the real `promtool` (Debian prometheus 2.42).

`pgwtui rules` writes the file from a TOML config (the same code path users run); promtool then
evaluates it on input series for every case a reader of docs/alerts.md would ask about. In
`test_scenarios` the prose annotations are left out of the comparison (promtool compares every
annotation exactly): `summary`/`description`/`runbook` templates are parsed by `check rules` and
rendered exactly in `test_full_annotations`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from pgwtui.rules import cli as rules_cli
from tests.conftest import require_binary

CONFIG = """
[staleness]
default_max_age = "1h"

[[staleness.rules]]
job = "nightly-.*"
max_age = "26h"

[[staleness.rules]]
job = "adhoc-.*"
max_age = 0

[[staleness.rules]]
job = "nightly-special"   # shadowed by the first rule: first match wins
max_age = "1m"

[alerts]
for = "5m"
labels = { team = "batch" }
rejected_pushes_window = "5m"
bridge_backlog_max_age = "10m"
bridge_quarantine_window = "1h"
"""

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pgwtui.toml"
POINTS = 1700
"""Minutes of input series (a little over 28 h), one sample per minute."""


def generate(tmp_path: Path, config: str = CONFIG) -> Path:
    cfg = tmp_path / "pgwtui.toml"
    cfg.write_text(config)
    out = tmp_path / "rules.yml"
    assert rules_cli.main(["--config", str(cfg), "-o", str(out)]) == 0
    return out


def promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    binary = require_binary("promtool")
    return subprocess.run([binary, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def only_annotations(rules_file: Path, keep: set[str]) -> Path:
    document = yaml.safe_load(rules_file.read_text())
    for group in document["groups"]:
        for rule in group["rules"]:
            rule["annotations"] = {k: v for k, v in rule["annotations"].items() if k in keep}
    reduced = rules_file.with_name("reduced.yml")
    reduced.write_text(yaml.safe_dump(document, sort_keys=False))
    return reduced


def series(name: str, values: str, **labels: str) -> dict[str, str]:
    inner = ", ".join(f'{k}="{v}"' for k, v in labels.items())
    return {"series": f"{name}{{{inner}}}", "values": values}


def steady(value: int) -> str:
    return f"{value}x{POINTS}"


def every_minute(start: int) -> str:
    return f"{start}+60x{POINTS}"


INPUT = [
    # default rule (1h): pushed once at t=60s
    series("push_time_seconds", steady(60), job="backup", instance="db-1"),
    series("push_failure_time_seconds", steady(0), job="backup", instance="db-1"),
    # pushes every minute: never stale
    series("push_time_seconds", every_minute(60), job="fresh"),
    # per-job rule 26h; 'adhoc-.*' never stale
    series("push_time_seconds", steady(60), job="nightly-report"),
    series("push_time_seconds", steady(60), job="nightly-special"),
    series("push_time_seconds", steady(60), job="adhoc-x"),
    # pushes its own max age (pgw-bridge exec --max-age 10m): 10 min, not 1 h; the smallest of two wins
    series("push_time_seconds", steady(60), job="exec-job", instance="h1"),
    series("pgw_exec_max_age_seconds", steady(600), job="exec-job", instance="h1"),
    series("other_max_age_seconds", steady(1200), job="exec-job", instance="h1"),
    series("pgw_exec_exit_code", steady(1), job="exec-job", instance="h1"),
    series("pgw_exec_last_success_timestamp_seconds", steady(60), job="exec-job", instance="h1"),
    # a pushed max age of 0 is ignored (as in the TUI): the default applies
    series("push_time_seconds", steady(60), job="zero-max-age"),
    series("zero_max_age_seconds", steady(0), job="zero-max-age"),
    # only failed pushes ever reached it: push_time_seconds is 0
    series("push_time_seconds", steady(0), job="neverok"),
    series("push_failure_time_seconds", steady(100), job="neverok"),
    # pushes every minute, and every push fails half a minute later
    series("push_time_seconds", every_minute(60), job="failing", instance="x"),
    series("push_failure_time_seconds", every_minute(90), job="failing", instance="x"),
    # the gateway's own counters: 400s on push between minutes 10 and 30
    series(
        "pushgateway_http_requests_total",
        f"0x10 1+1x20 21x{POINTS}",
        code="400",
        handler="push",
        method="put",
        job="pushgateway",
        instance="pgw:9091",
    ),
    # another gateway whose 400 counter comes into being, at 1, with its only rejected push (minute 10)
    series(
        "pushgateway_http_requests_total",
        f"_x10 1x{POINTS}",
        code="400",
        handler="push",
        method="post",
        job="pushgateway",
        instance="pgw2:9091",
    ),
    series(
        "pushgateway_http_requests_total",
        f"0+5x{POINTS}",
        code="202",
        handler="push",
        method="put",
        job="pushgateway",
        instance="pgw:9091",
    ),
    series(
        "pushgateway_http_requests_total",
        f"0+1x{POINTS}",
        code="400",
        handler="delete",
        method="delete",
        job="pushgateway",
        instance="pgw:9091",
    ),
    # the bridge: a backlog from minute 11 to 41; one file quarantined at minute 31
    series("pgw_bridge_spool_oldest_pending_age_seconds", f"0x10 60+60x30 0x{POINTS}", job="bridge", instance="b:9092"),
    series(
        "pgw_bridge_spool_files_failed_total", f"0x30 1x{POINTS}", job="bridge", instance="b:9092", reason="parse_error"
    ),
    series("pgw_bridge_spool_files_failed_total", steady(0), job="bridge", instance="b:9092", reason="rejected"),
]


def alert(key: str, **labels: str) -> dict[str, Any]:
    return {"exp_labels": {"severity": "warning", "team": "batch", **labels}, "exp_annotations": {"grouping_key": key}}


def stale(rule: str, max_age: str, key: str, **labels: str) -> dict[str, Any]:
    return alert(key, alertname="PushgatewayGroupStale", staleness_rule=rule, max_age=max_age, **labels)


def bare(**labels: str) -> dict[str, Any]:
    return {"exp_labels": {"severity": "warning", "team": "batch", **labels}}


def check(minutes: int, name: str, *alerts: dict[str, Any]) -> dict[str, Any]:
    return {"eval_time": f"{minutes}m", "alertname": name, "exp_alerts": list(alerts)}


REJECTED_PGW = bare(alertname="PushgatewayPushesRejected", job="pushgateway", instance="pgw:9091")
REJECTED_PGW2 = bare(alertname="PushgatewayPushesRejected", job="pushgateway", instance="pgw2:9091")
QUARANTINE = bare(alertname="PushBridgeQuarantine", job="bridge", instance="b:9092", reason="parse_error")
EXEC = {"job": "exec-job", "instance": "h1"}
EXEC_KEY = 'job="exec-job" instance="h1"'
STALE_EXEC = stale("pushed *_max_age_seconds", "pushed", EXEC_KEY, **EXEC)
STALE_BACKUP = stale("default", "1h", 'job="backup" instance="db-1"', job="backup", instance="db-1")
STALE_ZERO = stale("default", "1h", 'job="zero-max-age"', job="zero-max-age")
STALE = "PushgatewayGroupStale"

CHECKS = [
    # exec-job: 660 s old at minute 12 (> 600: pending), firing 5 minutes later; nothing else yet
    check(16, STALE),
    check(17, STALE, STALE_EXEC),
    # backup: past 1 h at minute 62, firing from 67 (for: 5m)
    check(66, STALE, STALE_EXEC),
    check(70, STALE, STALE_BACKUP, STALE_EXEC, STALE_ZERO),
    # nightly-report only after 26 h; nightly-special is claimed by 'nightly-.*' (its 1m rule never applies);
    # adhoc-x never; neverok has no successful push, so no age; exec-job only through its own max age
    check(26 * 60 + 5, STALE, STALE_BACKUP, STALE_EXEC, STALE_ZERO),
    check(
        27 * 60,
        STALE,
        STALE_BACKUP,
        STALE_EXEC,
        STALE_ZERO,
        stale("job=~nightly-.*", "26h", 'job="nightly-report"', job="nightly-report"),
        stale("job=~nightly-.*", "26h", 'job="nightly-special"', job="nightly-special"),
    ),
    check(
        20,
        "PushgatewayPushFailed",
        alert('job="failing" instance="x"', alertname="PushgatewayPushFailed", job="failing", instance="x"),
        alert('job="neverok"', alertname="PushgatewayPushFailed", job="neverok"),
    ),
    # An event alert: it fires at the first rejected push and clears a window after the last one.
    check(9, "PushgatewayPushesRejected"),
    check(10, "PushgatewayPushesRejected", REJECTED_PGW2),
    check(11, "PushgatewayPushesRejected", REJECTED_PGW, REJECTED_PGW2),
    check(14, "PushgatewayPushesRejected", REJECTED_PGW, REJECTED_PGW2),
    check(15, "PushgatewayPushesRejected", REJECTED_PGW),
    check(35, "PushgatewayPushesRejected", REJECTED_PGW),
    check(36, "PushgatewayPushesRejected"),
    check(60, "PushgatewayPushesRejected"),
    check(20, "PgwExecFailed", alert(EXEC_KEY, alertname="PgwExecFailed", **EXEC)),
    check(20, "PgwExecNoRecentSuccess", alert(EXEC_KEY, alertname="PgwExecNoRecentSuccess", **EXEC)),
    check(20, "PushBridgeBacklog"),
    check(35, "PushBridgeBacklog", bare(alertname="PushBridgeBacklog", job="bridge", instance="b:9092")),
    check(50, "PushBridgeBacklog"),
    check(30, "PushBridgeQuarantine"),
    check(31, "PushBridgeQuarantine", QUARANTINE),  # an event: no `for:` to wait out
    check(90, "PushBridgeQuarantine", QUARANTINE),
    check(91, "PushBridgeQuarantine"),
]


def write_tests(directory: Path, rule_file: Path, cases: list[dict[str, Any]], inputs: list[dict[str, str]]) -> Path:
    document = {
        "rule_files": [rule_file.name],
        "evaluation_interval": "1m",
        "tests": [{"interval": "1m", "input_series": inputs, "alert_rule_test": cases}],
    }
    path = directory / "rules_test.yml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_generated_rules_pass_promtool_check(tmp_path: Path) -> None:
    rules = generate(tmp_path)
    result = promtool("check", "rules", str(rules), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 10 rules found" in result.stdout


@pytest.mark.parametrize("source", ["defaults", "example"])
def test_default_and_example_configs_pass_promtool_check(tmp_path: Path, source: str) -> None:
    config = EXAMPLE.read_text() if source == "example" else ""
    rules = generate(tmp_path, config)
    result = promtool("check", "rules", str(rules), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_scenarios(tmp_path: Path) -> None:
    reduced = only_annotations(generate(tmp_path), {"grouping_key"})
    tests = write_tests(tmp_path, reduced, CHECKS, INPUT)
    result = promtool("test", "rules", str(tests), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_wrong_expectation_fails(tmp_path: Path) -> None:
    """The harness can fail: expecting the nightly job stale after 2 h (the default's age) is wrong."""
    reduced = only_annotations(generate(tmp_path), {"grouping_key"})
    wrong = [
        check(
            120,
            STALE,
            STALE_BACKUP,
            STALE_EXEC,
            STALE_ZERO,
            stale("default", "1h", 'job="nightly-report"', job="nightly-report"),
        )
    ]
    result = promtool("test", "rules", str(write_tests(tmp_path, reduced, wrong, INPUT)), cwd=tmp_path)
    assert result.returncode != 0
    assert "nightly-report" in result.stdout + result.stderr


def test_full_annotations(tmp_path: Path) -> None:
    rules = generate(tmp_path)
    inputs = [
        series("push_time_seconds", steady(60), job="backup", instance="db-1", site="a/b"),
        series("pgw_exec_exit_code", steady(2), job="exec-job", instance="h1"),
    ]
    runbook = (
        "pgwtui --prometheus <this Prometheus> <the gateway>: a lists the alerts, enter opens the group "
        "(last push, last failure, max age, families); "
    )
    key = 'job="backup" instance="db-1" site="a/b"'
    cases = [
        check(
            70,
            STALE,
            {
                "exp_labels": {
                    "severity": "warning",
                    "team": "batch",
                    "staleness_rule": "default",
                    "max_age": "1h",
                    "job": "backup",
                    "instance": "db-1",
                    "site": "a/b",
                },
                "exp_annotations": {
                    "summary": "Pushgateway group backup is stale: no successful push for 1h 9m 0s",
                    "description": (
                        f"No successful push to the group {key} for 1h 9m 0s, longer than 1h, the default maximum "
                        "age. The gateway keeps serving its last metrics as if they were current: is the job still "
                        "running, and still pushing here?"
                    ),
                    "grouping_key": key,
                    "runbook": runbook
                    + "d deletes the group once you know its job is gone for good (the alert then resolves).",
                },
            },
        ),
        check(
            10,
            "PgwExecFailed",
            {
                "exp_labels": {"severity": "warning", "team": "batch", "job": "exec-job", "instance": "h1"},
                "exp_annotations": {
                    "summary": "Batch job exec-job exited with status 2",
                    "description": (
                        'The last run of the job job="exec-job" instance="h1" (pgw-bridge exec) exited with status 2. '
                        "The push itself succeeded: only this alert and pgw_exec_last_success_timestamp_seconds "
                        "show it."
                    ),
                    "grouping_key": 'job="exec-job" instance="h1"',
                    "runbook": runbook + "the group's families show pgw_exec_exit_code and the last success time.",
                },
            },
        ),
    ]
    result = promtool("test", "rules", str(write_tests(tmp_path, rules, cases, inputs)), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
