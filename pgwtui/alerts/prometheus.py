"""PrometheusClient: reads alerts (`/api/v1/alerts`) and range queries (`/api/v1/query_range`) over httpx.

Every failure becomes a PrometheusError with words a user can act on (and a short form for a
narrow column). The transport is injectable, like the gateway client's, so tests and the
screenshot script can answer in-process. Only reads: pgwtui never changes anything in Prometheus.
"""

from __future__ import annotations

import json
import ssl

import httpx

from pgwtui.alerts.model import Alert, parse_alerts
from pgwtui.alerts.ranges import RangeQuery, RangeSeries, parse_matrix
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
        response = await self._send("GET", "/api/v1/alerts")
        return parse_alerts(response.content)

    async def query_range(self, query: RangeQuery) -> list[RangeSeries]:
        """The matrix of one range query (POSTed: a query for a screenful of groups is long).

        Raises:
            PrometheusError: unreachable, refused, too slow, a query Prometheus rejects, or not Prometheus.

        """
        form = {
            "query": query.expr,
            "start": f"{query.start:.3f}",
            "end": f"{query.end:.3f}",
            "step": f"{query.step:g}",
        }
        response = await self._send("POST", "/api/v1/query_range", data=form)
        return parse_matrix(response.content)

    async def _send(self, method: str, path: str, data: dict[str, str] | None = None) -> httpx.Response:
        """One request; any failure in words (the path is appended to the URL's, so a route prefix is kept)."""
        where = f"{self.url}{path}"
        try:
            response = await self._http.request(method, path, data=data)
        except httpx.TimeoutException:
            raise PrometheusError(
                f"Prometheus at {self.url} did not answer within {self.timeout:g}s", "timed out"
            ) from None
        except (httpx.HTTPError, ssl.SSLError, OSError) as exc:
            raise PrometheusError(f"cannot reach Prometheus at {self.url}: {_reason(exc)}", "unreachable") from None
        status = response.status_code
        if status in (401, 403):
            hint = (
                "check its username/password or token"
                if self.connection.username or self.connection.token
                else "it needs credentials: set [prometheus] username/password or token (docs/tui.md)"
            )
            raise PrometheusError(f"Prometheus at {self.url} refused us ({status}): {hint}", f"refused {status}")
        if status != 200:
            hint = " (is this the Prometheus URL, with its route prefix?)" if status == 404 else ""
            raise PrometheusError(f"{where} answered {status}: {_first_line(response)}{hint}", f"HTTP {status}")
        return response


def _first_line(response: httpx.Response) -> str:
    """Prometheus's own error text (`{"status":"error","error":…}`), else the body's first line."""
    try:
        error = json.loads(response.content).get("error")
    except (ValueError, AttributeError):
        error = None
    text = str(error) if error else response.text.strip()
    return text.splitlines()[0][:200] if text else response.reason_phrase


def _reason(exc: BaseException) -> str:
    return transport_reason(exc, peer="Prometheus", tls_hint="; set its ca_file, or --prometheus-insecure")
