"""Prometheus for tests: the real server (Debian prometheus) on loopback, and a fake `/api/v1/alerts` for Pilot tests."""

from __future__ import annotations

import json
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

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
        extra = []
        if web_config is not None:
            web_path = root / "web.yml"
            web_path.write_text(yaml.safe_dump(web_config))
            extra.append(f"--web.config.file={web_path}")
        self.proc = subprocess.Popen(
            [
                binary,
                f"--config.file={self.config_path}",
                f"--storage.tsdb.path={root / 'data'}",
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

    def query(self, expr: str) -> list[dict[str, Any]]:
        """An instant query's vector."""
        return list(self._get("/api/v1/query", query=expr)["result"])

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
    """Answers `/api/v1/alerts` with whatever `alerts` holds (mutable), or fails like a dead server."""

    def __init__(self, alerts: Sequence[dict[str, Any]] = ()) -> None:
        self.alerts = list(alerts)
        self.down = False
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.down:
            raise httpx.ConnectError("[Errno 111] Connection refused")
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
