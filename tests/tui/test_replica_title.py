"""pgwtui against two real replicas behind a round-robin balancer: the title says which one answered and how its storage is."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.replicas import replica_args
from tests.support.servers import BridgeProcess
from tests.support.tui import wait_for
from tests.tui.conftest import make_app

pytestmark = pytest.mark.slow


class RoundRobin(httpx.AsyncBaseTransport):
    """A load balancer in the client: each request goes to the next replica."""

    def __init__(self, urls: list[str]) -> None:
        self.ports = [httpx.URL(url).port for url in urls]
        self.inner = httpx.AsyncHTTPTransport()
        self.count = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        port = self.ports[self.count % len(self.ports)]
        self.count += 1
        request.url = request.url.copy_with(host="127.0.0.1", port=port)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_the_title_names_the_replica_that_answered(pg_dsn: str) -> None:
    replicas = [BridgeProcess(replica_args(pg_dsn, name)) for name in ("left", "right")]
    try:
        httpx.put(f"{replicas[0].url}/metrics/job/seen", content=b"s 1\n")
        app = make_app("http://balancer:9091", transport=RoundRobin([r.url for r in replicas]), refresh=0.2)
        titles: set[str] = set()

        def saw(name: str) -> bool:
            titles.add(app.title)
            return any(f"replica {name} · postgres up" in title for title in titles)

        async with app.run_test() as pilot:
            await wait_for(pilot, lambda: saw("left"), "the left replica in the title")
            await wait_for(pilot, lambda: saw("right"), "the right replica in the title")
        assert all(title.startswith("pgwtui · pgw-bridge ") for title in titles if title != "pgwtui")
    finally:
        for replica in replicas:
            replica.stop()
