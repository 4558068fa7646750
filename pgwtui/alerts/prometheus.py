"""PrometheusClient: reads the active alerts (`GET /api/v1/alerts`) over httpx; every failure becomes PrometheusError.

The transport is injectable, like the gateway client's, so tests and the screenshot script can
answer in-process. Only reads: pgwtui never changes anything in Prometheus.
"""

from __future__ import annotations

import ssl

import httpx

from pgwtui.alerts.model import Alert, parse_alerts
from pgwtui.client import open_client
from pgwtui.connection import Connection
from pgwtui.errors import PrometheusError, transport_reason


class PrometheusClient:
    """An async client for one Prometheus server. Use it from the app's event loop."""

    def __init__(self, connection: Connection, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.connection = connection
        self.url = connection.url.rstrip("/")
        self.timeout = connection.timeout
        self._http = open_client(
            connection, base_url=self.url, transport=transport, headers={"Accept": "application/json"}
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def fetch_alerts(self) -> list[Alert]:
        """Every pending and firing alert.

        Raises:
            PrometheusError: unreachable, refused, or not Prometheus.

        """
        where = f"{self.url}/api/v1/alerts"
        try:
            # httpx appends this to base_url's path, so a route prefix in the URL is kept.
            response = await self._http.get("/api/v1/alerts")
        except httpx.TimeoutException:
            raise PrometheusError(f"Prometheus at {self.url} did not answer within {self.timeout:g}s") from None
        except (httpx.HTTPError, ssl.SSLError, OSError) as exc:
            raise PrometheusError(f"cannot reach Prometheus at {self.url}: {_reason(exc)}") from None
        if response.status_code in (401, 403):
            hint = (
                "check its username/password or token"
                if self.connection.username or self.connection.token
                else "it needs credentials: set [prometheus] username/password or token (docs/tui.md)"
            )
            raise PrometheusError(f"Prometheus at {self.url} refused us ({response.status_code}): {hint}")
        if response.status_code != 200:
            first = response.text.strip().splitlines()[0][:200] if response.text.strip() else response.reason_phrase
            hint = " (is this the Prometheus URL, with its route prefix?)" if response.status_code == 404 else ""
            raise PrometheusError(f"{where} answered {response.status_code}: {first}{hint}")
        return parse_alerts(response.content)


def _reason(exc: BaseException) -> str:
    return transport_reason(exc, peer="Prometheus", tls_hint="; set its ca_file, or --prometheus-insecure")
