"""The handlers against a recording fake Gateway: URL and body decoding, and the verdict → status code mapping."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx
import pytest

from bridge.errors import PersistenceError
from bridge.gateway.config import GatewayConfig
from bridge.gateway.store.types import Group, StoredFamily
from bridge.gateway.verdict import ACCEPTED, Refusal, Verdict
from bridge.gateway.web.app import GatewayApp
from bridge.protocol.model import PUSH_FAILURE_TIME, PUSH_TIME, Metric, MetricFamily, MetricType
from tests.support.fake_gateway import FakeGateway

INCONSISTENT = Verdict(Refusal.INCONSISTENT, "x is not a COUNTER")
LIMIT = Verdict(Refusal.LIMIT, "too many series")


@pytest.fixture
async def served() -> AsyncIterator[tuple[FakeGateway, httpx.AsyncClient]]:
    gateway = FakeGateway(GatewayConfig(enable_admin_api=True))
    app = GatewayApp(gateway)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        yield gateway, client


@pytest.mark.parametrize(
    ("verdict", "disable_check", "status"),
    [
        (ACCEPTED, False, 200),
        (ACCEPTED, True, 202),
        (INCONSISTENT, False, 400),
        (INCONSISTENT, True, 202),
        (LIMIT, False, 400),
        (LIMIT, True, 400),
    ],
    ids=["accepted", "accepted-unchecked", "inconsistent", "inconsistent-unchecked", "limit", "limit-unchecked"],
)
async def test_a_verdict_maps_to_its_status_code(verdict: Verdict, disable_check: bool, status: int) -> None:
    gateway = FakeGateway(GatewayConfig(disable_consistency_check=disable_check), verdict=verdict)
    app = GatewayApp(gateway)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        for method in ("PUT", "POST"):
            answer = await client.request(method, "/metrics/job/j", content=b"x 1\n")
            assert answer.status_code == status
            if status == 400:
                assert answer.text == verdict.message + "\n"
            else:
                assert answer.content == b""
    assert [call[0] for call in gateway.calls] == ["push", "push"]


async def test_the_push_reaches_the_gateway_decoded(served: tuple[FakeGateway, httpx.AsyncClient]) -> None:
    gateway, client = served
    job = base64.urlsafe_b64encode(b"a/b").decode()
    await client.put(f"/metrics/job@base64/{job}/instance/h1", content=b"# TYPE x gauge\nx 1\ny 2\n")
    await client.post("/metrics/job/j", content=b"z 3\n")
    assert gateway.calls == [
        ("push", {"job": "a/b", "instance": "h1"}, ["x", "y"], True),
        ("push", {"job": "j"}, ["z"], False),
    ]


@pytest.mark.parametrize(
    ("path", "body", "needle"),
    [
        ("/metrics/job/j", b"x{ 1\n", "text format parsing error in line 1"),
        ("/metrics/job@base64/!!", b"x 1\n", "invalid base64"),
        ("/metrics/job/j/lonely", b"x 1\n", "odd number"),
    ],
    ids=["body", "job", "labels"],
)
async def test_what_cannot_be_decoded_is_a_400_that_never_reaches_the_gateway(
    served: tuple[FakeGateway, httpx.AsyncClient], path: str, body: bytes, needle: str
) -> None:
    gateway, client = served
    answer = await client.put(path, content=body)
    assert answer.status_code == 400 and needle in answer.text.lower()
    assert gateway.calls == []


async def test_a_failed_commit_is_a_500_that_says_why(served: tuple[FakeGateway, httpx.AsyncClient]) -> None:
    gateway, client = served
    gateway.raises = PersistenceError("could not persist the write: disk full")
    answer = await client.put("/metrics/job/j", content=b"x 1\n")
    assert answer.status_code == 500 and answer.text == "could not persist the write: disk full\n"


async def test_a_delete_is_a_202_whether_or_not_the_group_existed(
    served: tuple[FakeGateway, httpx.AsyncClient],
) -> None:
    gateway, client = served
    for found in (True, False):
        gateway.found = found
        assert (await client.delete("/metrics/job/j/instance/h")).status_code == 202
    assert gateway.calls == [("delete", {"job": "j", "instance": "h"})] * 2


@pytest.mark.parametrize(
    ("found", "raises", "status"),
    [(True, None, 202), (False, None, 404), (True, ValueError("push_time_seconds is managed by the gateway"), 400)],
    ids=["deleted", "absent", "refused"],
)
async def test_a_family_delete_maps_to_202_404_or_400(
    served: tuple[FakeGateway, httpx.AsyncClient], found: bool, raises: Exception | None, status: int
) -> None:
    gateway, client = served
    gateway.found, gateway.raises = found, raises
    answer = await client.delete("/api/v1/extensions/family/x/job/j")
    assert answer.status_code == status
    assert gateway.calls == [("delete_family", {"job": "j"}, "x")]
    if raises is not None:
        assert answer.text == f"{raises}\n"


async def test_any_family_name_a_push_can_store_reaches_the_gateway(
    served: tuple[FakeGateway, httpx.AsyncClient],
) -> None:
    gateway, client = served
    gateway.found = True
    # Since 1.11, protobuf pushes store any non-empty metric name (scrapes escape it).
    assert (await client.delete("/api/v1/extensions/family/1x/job/j")).status_code == 202
    assert (await client.delete("/api/v1/extensions/family/a.%C3%BC/job/j")).status_code == 202
    assert [call[2] for call in gateway.calls] == ["1x", "a.ü"]


async def test_a_wipe_is_a_202(served: tuple[FakeGateway, httpx.AsyncClient]) -> None:
    gateway, client = served
    assert (await client.put("/api/v1/admin/wipe")).status_code == 202
    assert gateway.calls == [("wipe",)]


def _group(labels: dict[str, str], pushed: float, failed: float) -> Group:
    group = Group(tuple(sorted(labels.items())), labels)
    for name, value in ((PUSH_TIME, pushed), (PUSH_FAILURE_TIME, failed)):
        group.families[name] = StoredFamily(MetricFamily(name, MetricType.GAUGE, None, [Metric(gauge=value)]), 0)
    return group


async def test_the_status_page_lists_the_gateways_groups_escaped(served: tuple[FakeGateway, httpx.AsyncClient]) -> None:
    gateway, client = served
    gateway.stored = [_group({"job": "<b>ok</b>"}, 10.0, 0.0), _group({"job": "bad"}, 10.0, 20.0)]
    page = (await client.get("/status")).text
    assert "2 groups" in page and "job=&lt;b&gt;ok&lt;/b&gt;" in page and "<b>ok" not in page
    assert (
        page.index("job=&lt;b&gt;") < page.index("<td>ok</td>") < page.index("job=bad") < page.index("last push failed")
    )


async def test_an_unhealthy_gateway_says_so(served: tuple[FakeGateway, httpx.AsyncClient]) -> None:
    gateway, client = served
    assert (await client.get("/-/healthy")).text == "OK"
    gateway.healthy_error = "storage is down"
    answer = await client.get("/-/healthy")
    assert answer.status_code == 500 and answer.text == "storage is down\n"
