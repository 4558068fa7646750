"""Prometheus for tests: the real server (Debian prometheus) on loopback, and a fake `/api/v1/alerts` for Pilot tests."""

from __future__ import annotations

import json
import math
import re
import signal
import subprocess
import tempfile
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import yaml

from bridge.protocol.grouping import GroupKey
from tests.support.servers import free_port, wait_ready


class PrometheusProcess:
    """`prometheus` scraping `targets` with `honor_labels: true`, every `interval`, evaluating `rule_files`.

    `honor_labels=False` keeps one target's series apart from another's (job `pushgateway<i>`,
    the pushed job as `exported_job`); `args` go to the command line (`--enable-feature=…`).
    """

    def __init__(
        self,
        binary: str,
        targets: Sequence[str],
        rule_files: Sequence[Path] = (),
        *,
        interval: str = "1s",
        metrics_paths: Sequence[str] = ("/metrics",),
        port: int | None = None,
        web_config: dict[str, Any] | None = None,
        honor_labels: bool = True,
        args: Sequence[str] = (),
        data_dir: Path | None = None,
        retention: str | None = None,
    ) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="prometheus-")
        root = Path(self._tmp.name)
        self.port = port or free_port()
        scheme = "https" if web_config and "tls_server_config" in web_config else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        config = {
            "global": {"scrape_interval": interval, "evaluation_interval": interval, "scrape_timeout": interval},
            "rule_files": [str(p) for p in rule_files],
            "scrape_configs": [
                {
                    "job_name": f"pushgateway{index}",
                    "honor_labels": honor_labels,
                    "metrics_path": path,
                    "static_configs": [{"targets": [target.removeprefix("http://")]}],
                }
                for index, (target, path) in enumerate(zip(targets, _paths(metrics_paths, len(targets)), strict=True))
            ],
        }
        self.config_path = root / "prometheus.yml"
        self.config_path.write_text(yaml.safe_dump(config))
        self.log_path = root / "prometheus.log"
        self._log = self.log_path.open("wb")
        extra = [f"--storage.tsdb.retention.time={retention}"] if retention else []
        if web_config is not None:
            web_path = root / "web.yml"
            web_path.write_text(yaml.safe_dump(web_config))
            extra.append(f"--web.config.file={web_path}")
        self.proc = subprocess.Popen(
            [
                binary,
                f"--config.file={self.config_path}",
                f"--storage.tsdb.path={data_dir or root / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--log.level=warn",
                *extra,
                *args,
            ],
            stdout=self._log,
            stderr=self._log,
        )
        try:
            # Readiness only: a 401 from an auth-protected server counts, and the test's own CA is not needed.
            wait_ready(f"{self.url}/-/ready", timeout=30, proc=self.proc, verify=False)
        except Exception:
            self.stop()
            raise

    def _get(self, path: str, **params: str) -> Any:
        response = httpx.get(f"{self.url}{path}", params=params, timeout=5)
        response.raise_for_status()
        body = response.json()
        assert body["status"] == "success", body
        return body["data"]

    def alerts(self) -> list[dict[str, Any]]:
        """Every active (pending or firing) alert."""
        return list(self._get("/api/v1/alerts")["alerts"])

    def targets(self) -> list[dict[str, Any]]:
        """The active scrape targets, with their health and last error."""
        return list(self._get("/api/v1/targets")["activeTargets"])

    def query(self, expr: str, at: float | None = None) -> list[dict[str, Any]]:
        """An instant query's vector (at `at`, else now)."""
        params = {"query": expr} if at is None else {"query": expr, "time": f"{at:.3f}"}
        return list(self._get("/api/v1/query", **params)["result"])

    def logs(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        self._tmp.cleanup()


def _paths(paths: Sequence[str], count: int) -> list[str]:
    return list(paths) if len(paths) == count else [paths[0]] * count


# ---------------------------------------------------------------- a fake Prometheus for Pilot tests
def rfc3339(ts: float) -> str:
    """What Prometheus writes in `activeAt` (nanoseconds, UTC)."""
    seconds, nanos = divmod(round(ts * 1e9), 10**9)
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{nanos:09d}Z"


def api_alert(
    name: str,
    labels: dict[str, str],
    *,
    state: str = "firing",
    active_at: float,
    value: float = 1.0,
    summary: str = "",
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One entry of `/api/v1/alerts` as Prometheus 2.x writes it."""
    return {
        "labels": {"alertname": name, **labels},
        "annotations": ({"summary": summary} if summary else {}) | (annotations or {}),
        "state": state,
        "activeAt": rfc3339(active_at),
        "value": f"{value:e}",
    }


class FakePrometheus(httpx.AsyncBaseTransport):
    """Answers `/api/v1/alerts` with whatever `alerts` holds (mutable), range queries from `history`, or fails like a dead server."""

    def __init__(self, alerts: Sequence[dict[str, Any]] = (), history: FakeHistory | None = None) -> None:
        self.alerts = list(alerts)
        self.history = history
        self.down = False
        self.requests = 0
        self.range_queries: list[dict[str, str]] = []
        self.refuse_ranges: int | None = None
        """A status to answer range queries with (401: a Prometheus whose credentials we lack)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.down:
            raise httpx.ConnectError("[Errno 111] Connection refused")
        if request.url.path == "/api/v1/query_range":
            if self.refuse_ranges is not None:
                reason = "Unauthorized" if self.refuse_ranges == 401 else "Service Unavailable"
                return httpx.Response(self.refuse_ranges, text=f"{reason}\n")
            form = {k: v for k, v in httpx.QueryParams((await request.aread()).decode()).items()}
            self.range_queries.append(form)
            history = self.history or FakeHistory({})
            return httpx.Response(200, content=json.dumps(history.answer(form)).encode())
        if request.url.path != "/api/v1/alerts":
            return httpx.Response(404, text="404 page not found\n")
        body = {"status": "success", "data": {"alerts": self.alerts}}
        return httpx.Response(200, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})


def demo_alerts(now: float) -> list[dict[str, Any]]:
    """What a Prometheus loaded with `pgwtui rules` (for: 5m) reports about the demo gateway at `now`.

    Plus one alert about the gateway itself (no group) and one about something else entirely
    (pgwtui hides it).
    """
    rule = {"severity": "warning"}
    stale_pushed = {**rule, "max_age": "pushed", "staleness_rule": "pushed *_max_age_seconds"}
    stale_default = {**rule, "max_age": "1h", "staleness_rule": "default"}
    return [
        api_alert(
            "PushgatewayGroupStale",
            {"job": "backup", "instance": "db-2", **stale_pushed},
            active_at=now - 5 * 3600,
            value=31 * 3600,
            summary="Pushgateway group backup is stale: no successful push for 1d 7h 0m 0s",
        ),
        api_alert(
            "PushgatewayGroupStale",
            {"job": "cron-cleanup", **stale_default},  # the group's instance="" is dropped by Prometheus
            active_at=now - 4 * 3600,
            value=5 * 3600,
            summary="Pushgateway group cron-cleanup is stale: no successful push for 5h 0m 0s",
            annotations={
                "description": (
                    'No successful push to the group job="cron-cleanup" for 5h 0m 0s, longer than 1h, the default '
                    "maximum age. The gateway keeps serving its last metrics as if they were current: is the job "
                    "still running, and still pushing here?"
                ),
                "grouping_key": 'job="cron-cleanup"',
                "runbook": (
                    "pgwtui --prometheus <this Prometheus> <the gateway>: a lists the alerts, enter opens the group "
                    "(last push, last failure, max age, families); d deletes the group once you know its job is "
                    "gone for good (the alert then resolves)."
                ),
            },
        ),
        api_alert(
            "PushgatewayGroupStale",
            {"job": "ml-train", "instance": "gpu-7", **stale_default},
            active_at=now - 3600,
            value=2 * 3600,
            summary="Pushgateway group ml-train is stale: no successful push for 2h 0m 0s",
        ),
        api_alert(
            "PushgatewayPushFailed",
            {"job": "ml-train", "instance": "gpu-7", **rule},
            active_at=now - 600,
            value=now - 600,
            summary="The last push to Pushgateway group ml-train failed",
        ),
        api_alert(
            "PushgatewayPushFailed",
            {"job": "etl", "stage": "load", **rule},
            state="pending",
            active_at=now - 240,
            value=now - 240,
            summary="The last push to Pushgateway group etl failed",
        ),
        api_alert(
            "PushgatewayPushesRejected",
            {"job": "pushgateway", "instance": "127.0.0.1:9091", **rule},
            active_at=now - 900,
            value=0.0167,
            summary="Pushgateway 127.0.0.1:9091 rejects pushes (400)",
        ),
        api_alert(
            "HostHighLoad",
            {"job": "node", "instance": "db-1:9100", "severity": "info"},
            active_at=now - 7200,
            value=7.5,
            summary="db-1 is busy",
        ),
    ]


# ---------------------------------------------------------------- a fake history for Pilot and snapshot tests
@dataclass
class GroupHistory:
    """What a Prometheus scraping a gateway would have recorded about one group."""

    pushes: list[float]
    failures: list[float] = field(default_factory=list)
    firing: list[tuple[str, float, float]] = field(default_factory=list)
    """(alertname, from, to): when an alert about the group was firing."""


_MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)=("(?:[^"\\]|\\.)*")')
_TERM = re.compile(r"^(changes\()?([a-zA-Z_:]+)(\{.*?\})(?:\[(\w+)\](?: offset (\w+))?\))?$")


class FakeHistory:
    """Answers pgwtui's range queries from group schedules, as a Prometheus scraping every `scrape` seconds would.

    Only the forms pgwtui sends are understood (`METRIC{…}`, `changes(METRIC{…}[W] [offset O])`, the
    difference of two of those, unions of them with `or`, `ALERTS{…}`); anything else fails the
    test loudly. A real Prometheus cannot run at a fixed clock with a month of fixed data, so
    snapshot and Pilot tests use this; the e2e tests use the real one.
    """

    def __init__(self, groups: dict[GroupKey, GroupHistory], *, scrape: float = 15.0) -> None:
        self.groups = groups
        self.scrape = scrape

    def answer(self, form: dict[str, str]) -> dict[str, Any]:
        start, end, step = float(form["start"]), float(form["end"]), float(form["step"])
        steps = [start + i * step for i in range(int((end - start) / step + 1e-9) + 1)]
        return {"status": "success", "data": {"resultType": "matrix", "result": self._expr(form["query"], steps)}}

    def _expr(self, expr: str, steps: list[float]) -> list[dict[str, Any]]:
        expr = _unwrap(expr.strip())
        for operator in (" or ", " - ", " * "):
            parts = _split(expr, operator)
            if len(parts) == 1:
                continue
            left, right = self._expr(parts[0], steps), self._expr(operator.join(parts[1:]), steps)
            if operator == " or ":
                seen = {_labels(s) for s in left}
                return left + [s for s in right if _labels(s) not in seen]
            if operator == " * ":
                return [{"metric": s["metric"], "values": [[t, "0"] for t, _v in s["values"]]} for s in left]
            return _minus(left, right)
        return self._term(expr, steps)

    def _term(self, term: str, steps: list[float]) -> list[dict[str, Any]]:
        if term == "0":
            return []
        found = _TERM.match(term)
        assert found, f"FakeHistory cannot evaluate {term!r}"
        changes, metric, selector, window, offset = found.groups()
        wanted = {name: json.loads(value) for name, value in _MATCHER.findall(selector)}
        back = parse_duration(offset) if offset else 0.0
        out = []
        for key, history in self.groups.items():
            labels = {name: value for name, value in key if value}
            if metric == "ALERTS":
                out += self._alerts(labels, wanted, history, steps)
                continue
            if any(labels.get(n, "") != v for n, v in wanted.items()):
                continue
            events = history.pushes if metric == "push_time_seconds" else history.failures
            if changes:
                seconds = parse_duration(window)
                born = min([*history.pushes, *history.failures])
                values = [
                    [t, str(self._changes(events, max(t - back - seconds, born - self.scrape), t - back))]
                    for t in steps
                    if self._exists(history, t - back)
                ]
                name: dict[str, str] = {}
            else:
                values = [[t, repr(self._value(events, t))] for t in steps if self._exists(history, t)]
                name = {"__name__": metric}
            if values:
                out.append({"metric": {**name, **labels}, "values": values})
        return out

    def _alerts(
        self, labels: dict[str, str], wanted: dict[str, str], history: GroupHistory, steps: list[float]
    ) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for alertname in sorted({name for name, _s, _e in history.firing}):
            series: dict[str, str] = {"alertname": alertname, "alertstate": "firing", **labels}
            if any(series.get(n, "") != v for n, v in wanted.items()):
                continue
            values: list[list[object]] = [
                [t, "1"] for t in steps if any(n == alertname and s <= t <= e for n, s, e in history.firing)
            ]
            if values:
                out.append({"metric": {"__name__": "ALERTS", **series}, "values": values})
        return out

    def _exists(self, history: GroupHistory, t: float) -> bool:
        first = min([*history.pushes, *history.failures], default=None)
        return first is not None and self._scraped(t) >= first

    def _scraped(self, t: float) -> float:
        return (t // self.scrape) * self.scrape

    def _value(self, events: list[float], t: float) -> float:
        index = bisect_right(events, self._scraped(t))
        return events[index - 1] if index else 0.0

    def _changes(self, events: list[float], start: float, end: float) -> int:
        # Samples in (start, end], as a range selector holds them (none before the series was born); a
        # sample differs from the one before when a new event is visible.
        t = math.floor(start / self.scrape) * self.scrape + self.scrape
        seen = [bisect_right(events, s) for s in _frange(t, end, self.scrape)]
        return sum(1 for a, b in pairwise(seen) if a != b)


def _frange(start: float, end: float, step: float) -> list[float]:
    return [start + i * step for i in range(int((end - start) // step) + 1)] if end >= start else []


def _unwrap(expr: str) -> str:
    """`expr` without parentheses around all of it."""
    while expr.startswith("(") and expr.endswith(")"):
        depth = 0
        for i, c in enumerate(expr):
            depth += {"(": 1, ")": -1}.get(c, 0)
            if depth == 0 and i < len(expr) - 1:
                return expr  # the first "(" closes before the end: (a) or (b)
        expr = expr[1:-1].strip()
    return expr


def _split(expr: str, operator: str) -> list[str]:
    """`expr` split at `operator` outside parentheses, brackets and quotes."""
    parts, depth, quoted, last, i = [], 0, False, 0, 0
    while i < len(expr):
        c = expr[i]
        if quoted:
            if c == "\\":
                i += 1
            elif c == '"':
                quoted = False
        elif c == '"':
            quoted = True
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and expr.startswith(operator, i):
            parts.append(expr[last:i])
            last = i = i + len(operator)
            continue
        i += 1
    return [*parts, expr[last:]]


def _labels(series: dict[str, Any]) -> str:
    return json.dumps(series["metric"], sort_keys=True)


def _minus(left: list[dict[str, Any]], right: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_labels = {_labels(r): dict(r["values"]) for r in right}
    out = []
    for series in left:
        other = by_labels.get(_labels(series), {})
        values = [[t, str(int(v) - int(other[t]))] for t, v in series["values"] if t in other]
        if values:
            out.append({"metric": series["metric"], "values": values})
    return out


def parse_duration(text: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)", text))


def demo_history(now: float) -> FakeHistory:
    """Months of history for the demo gateway's groups at `now`, consistent with what they hold."""
    hour = 3600.0

    def every(interval: float, last: float, span: float = 40 * 86400, *, until: float | None = None) -> list[float]:
        first = last - span
        times = []
        t = last
        while t >= first:
            times.append(t)
            t -= interval
        return sorted(times) if until is None else sorted(x for x in times if x <= until)

    cron_pushes = every(6 * hour, now - 5 * hour)
    cron_firing = [("PushgatewayGroupStale", p + hour + 300, p + 6 * hour) for p in cron_pushes]
    cron_firing[-1] = ("PushgatewayGroupStale", cron_pushes[-1] + hour + 300, now)
    return FakeHistory(
        {
            (("instance", ""), ("job", "cron-cleanup")): GroupHistory(cron_pushes, firing=cron_firing),
            (("instance", "db-1"), ("job", "backup")): GroupHistory(every(24 * hour, now - 120)),
            (("instance", "db-2"), ("job", "backup")): GroupHistory(
                every(24 * hour, now - 31 * hour), firing=[("PushgatewayGroupStale", now - 5 * hour, now)]
            ),
            (("job", "nightly-report"),): GroupHistory(every(24 * hour, now - 3 * hour)),
            (("instance", "canary-1"), ("job", "api-canary"), ("zone", "eu-west-1")): GroupHistory(
                every(15.0, now - 15, 2 * 86400)
            ),
            (("job", "deploy"), ("path", "/srv/app")): GroupHistory(
                [now - 9 * 86400, now - 6 * 86400 - 5 * hour, now - 2 * 86400 - 3 * hour, now - 7 * hour, now - 40]
            ),
            (("job", "etl"), ("stage", "load")): GroupHistory(
                every(20 * 60, now - 20 * 60), failures=[now - 3 * 86400, now - 240]
            ),
            (("instance", "gpu-7"), ("job", "ml-train")): GroupHistory(
                every(30 * 60, now - 2 * hour, 3 * 86400),
                failures=[now - 2 * hour + 60 * m for m in range(10, 120, 25)],
                firing=[("PushgatewayGroupStale", now - hour, now), ("PushgatewayPushFailed", now - 600, now)],
            ),
        }
    )
