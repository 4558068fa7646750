"""Unit tests: PrometheusClient's requests and its errors in words (a closed port, timeouts, 401, route prefixes)."""

from __future__ import annotations

import httpx
import pytest

from pgwtui.alerts.prometheus import PrometheusClient
from pgwtui.connection import Connection
from pgwtui.errors import PrometheusError
from tests.support.prometheus import FakePrometheus, api_alert
from tests.support.servers import free_port


async def test_reads_alerts_under_a_route_prefix() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"status": "success", "data": {"alerts": [api_alert("X", {}, active_at=1.0)]}})

    client = PrometheusClient(Connection("http://prom:9090/prometheus/"), transport=httpx.MockTransport(answer))
    try:
        assert [a.name for a in await client.fetch_alerts()] == ["X"]
    finally:
        await client.aclose()
    assert seen == ["http://prom:9090/prometheus/api/v1/alerts"]


async def test_a_closed_port_is_connection_refused() -> None:
    client = PrometheusClient(Connection(f"http://127.0.0.1:{free_port()}", timeout=2.0))
    try:
        with pytest.raises(PrometheusError, match="connection refused \\(is Prometheus running"):
            await client.fetch_alerts()
    finally:
        await client.aclose()


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(401), "refused us \\(401\\)"),
        (httpx.Response(503, text="Service Unavailable\nmore"), "answered 503: Service Unavailable$"),
    ],
)
async def test_http_errors_in_words(response: httpx.Response, message: str) -> None:
    client = PrometheusClient(Connection("http://prom:9090"), transport=httpx.MockTransport(lambda r: response))
    try:
        with pytest.raises(PrometheusError, match=message):
            await client.fetch_alerts()
    finally:
        await client.aclose()


async def test_timeout_in_words() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    client = PrometheusClient(Connection("http://prom:9090", timeout=3.0), transport=httpx.MockTransport(slow))
    try:
        with pytest.raises(PrometheusError, match="did not answer within 3s"):
            await client.fetch_alerts()
    finally:
        await client.aclose()


async def test_fake_prometheus_down() -> None:
    fake = FakePrometheus()
    fake.down = True
    client = PrometheusClient(Connection("http://prom:9090"), transport=fake)
    try:
        with pytest.raises(PrometheusError, match="connection refused"):
            await client.fetch_alerts()
    finally:
        await client.aclose()


# ----------------------------------------------------------------- range queries
async def test_range_queries_are_posted_with_their_window() -> None:
    from pgwtui.alerts.ranges import RangeQuery

    seen: list[tuple[str, str, bytes]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, str(request.url), request.content))
        return httpx.Response(200, json={"status": "success", "data": {"resultType": "matrix", "result": []}})

    client = PrometheusClient(Connection("http://prom:9090/p"), transport=httpx.MockTransport(answer))
    try:
        assert await client.query_range(RangeQuery('up{job="a"}', 100.0, 200.5, 10.0)) == []
    finally:
        await client.aclose()
    (method, url, body) = seen[0]
    assert (method, url) == ("POST", "http://prom:9090/p/api/v1/query_range")
    assert dict(httpx.QueryParams(body.decode())) == {
        "query": 'up{job="a"}',
        "start": "100.000",
        "end": "200.500",
        "step": "10",
    }


@pytest.mark.parametrize(
    ("response", "message", "short"),
    [
        (
            httpx.Response(400, json={"status": "error", "errorType": "bad_data", "error": "1:5: parse error"}),
            "answered 400: 1:5: parse error$",
            "HTTP 400",
        ),
        (httpx.Response(401), "refused us \\(401\\): it needs credentials", "refused 401"),
        (httpx.Response(200, text="<html>"), "did not answer Prometheus's JSON", "bad answer"),
    ],
)
async def test_range_query_failures_in_words_and_in_short(response, message, short) -> None:
    from pgwtui.alerts.ranges import RangeQuery

    client = PrometheusClient(Connection("http://prom:9090"), transport=httpx.MockTransport(lambda r: response))
    try:
        with pytest.raises(PrometheusError, match=message) as caught:
            await client.query_range(RangeQuery("up", 0, 1, 1))
    finally:
        await client.aclose()
    assert caught.value.short == short


async def test_a_slow_range_query_is_timed_out_in_short() -> None:
    from pgwtui.alerts.ranges import RangeQuery

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    client = PrometheusClient(Connection("http://prom:9090", timeout=3.0), transport=httpx.MockTransport(slow))
    try:
        with pytest.raises(PrometheusError, match="did not answer within 3s") as caught:
            await client.query_range(RangeQuery("up", 0, 1, 1))
    finally:
        await client.aclose()
    assert caught.value.short == "timed out"
