"""Extensions (family delete, discovery) and limits, through the ASGI app."""

from __future__ import annotations

import gzip

from bridge.protocol.grouping import grouping_path
from tests.integration.asgi import client, make_app


async def test_family_delete_keeps_push_time_and_other_families() -> None:
    app = make_app()
    async with client(app) as c:
        assert (await c.put("/metrics/job/a/instance/", content=b"x 1\ny 2\n")).status_code == 200
        before = (await c.get("/api/v1/metrics")).json()["data"][0]
        path = "/api/v1/extensions/family/x" + grouping_path({"job": "a", "instance": ""})[len("/metrics") :]
        response = await c.delete(path)
        assert response.status_code == 202
        assert response.headers["access-control-allow-origin"] == "*"
        after = (await c.get("/api/v1/metrics")).json()["data"][0]
        assert "x" not in after and "y" in after
        assert after["push_time_seconds"] == before["push_time_seconds"]
        assert (await c.delete(path)).status_code == 404
        assert (await c.delete("/api/v1/extensions/family/push_time_seconds/job/a/instance/")).status_code == 400
        assert (await c.delete("/api/v1/extensions/family/1bad/job/a")).status_code == 404  # a name 1.11 stores
        assert (await c.delete("/api/v1/extensions/family/x/job@base64/Y")).status_code == 400


async def test_discovery() -> None:
    app = make_app(group_ttl=60.0)
    async with client(app) as c:
        data = (await c.get("/api/v1/extensions")).json()["data"]
        assert data["implementation"] == "pgw-bridge"
        assert data["family_delete"] is True
        assert data["group_ttl"]["default_seconds"] == 60.0


async def test_body_limit_gives_413_and_stores_nothing() -> None:
    app = make_app(max_body_bytes=1000)
    async with client(app) as c:
        response = await c.put("/metrics/job/a", content=b"x 1\n" * 300)
        assert response.status_code == 413
        assert "limit of 1000 bytes" in response.text
        bomb = gzip.compress(b"x 1\n" + b"#" * 100_000 + b"\n")
        assert len(bomb) < 1000
        response = await c.put("/metrics/job/a", content=bomb, headers={"Content-Encoding": "gzip"})
        assert response.status_code == 413
        assert app.gateway.groups() == []


async def test_series_and_group_limits() -> None:
    app = make_app(max_series_per_push=2, max_groups=1)
    async with client(app) as c:
        response = await c.put("/metrics/job/a", content=b"x 1\ny 2\nz 3\n")
        assert response.status_code == 400
        assert "more than the limit of 2" in response.text
        assert (await c.put("/metrics/job/a", content=b"x 1\n")).status_code == 200
        assert (await c.put("/metrics/job/a", content=b"x 2\n")).status_code == 200
        response = await c.put("/metrics/job/b", content=b"x 1\n")
        assert response.status_code == 400
        assert "--push.max-groups" in response.text
        assert app.gateway.group_count() == 1


async def test_case_insensitive_gzip_content_encoding() -> None:
    app = make_app()
    async with client(app) as c:
        assert (
            await c.put("/metrics/job/a", content=gzip.compress(b"x 1\n"), headers={"Content-Encoding": "GZIP"})
        ).status_code == 200


async def test_internal_errors_are_500_without_a_traceback(monkeypatch: object) -> None:
    app = make_app()

    def boom() -> bytes:
        raise RuntimeError("secret internals")

    app.gateway.api_metrics = boom  # type: ignore[method-assign]
    async with client(app) as c:
        response = await c.get("/api/v1/metrics")
        assert response.status_code == 500
        assert response.text == "internal server error\n"
