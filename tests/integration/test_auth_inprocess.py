"""Basic auth on every path and the roles extension, through the ASGI app."""

from __future__ import annotations

import base64
from pathlib import Path

import bcrypt
import pytest

from tests.integration.asgi import client, make_app

HASH = bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=4)).decode()


def basic(user: str, password: str = "pw") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def config_file(tmp_path: Path, roles: str = "") -> str:
    path = tmp_path / "web.yml"
    users = "".join(f"  {u}: '{HASH}'\n" for u in ("admin", "pusher", "reader", "nobody"))
    path.write_text(f"basic_auth_users:\n{users}{roles}")
    return str(path)


@pytest.mark.parametrize("path", ["/metrics", "/-/healthy", "/nope", "/api/v1/metrics", "/metrics/job/x"])
async def test_every_path_needs_credentials(tmp_path: Path, path: str) -> None:
    app = make_app(web_config_file=config_file(tmp_path))
    async with client(app) as c:
        response = await c.get(path)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Basic"
        assert response.text == "Unauthorized\n"
        assert (await c.get(path, headers=basic("reader", "wrong"))).status_code == 401
        assert (await c.get(path, headers=basic("ghost"))).status_code == 401
        assert (await c.get(path, headers=basic("reader"))).status_code != 401


async def test_without_roles_everyone_can_do_everything(tmp_path: Path) -> None:
    app = make_app(web_config_file=config_file(tmp_path), enable_admin_api=True)
    async with client(app) as c:
        assert (await c.put("/metrics/job/a", content=b"x 1\n", headers=basic("reader"))).status_code == 200
        assert (await c.put("/api/v1/admin/wipe", headers=basic("reader"))).status_code == 202


ROLES = "user_roles:\n  admin: [admin]\n  pusher: [push]\n  reader: [read]\n"
MATRIX = [
    ("PUT", "/metrics/job/a", {"pusher": 200, "reader": 403, "admin": 200, "nobody": 403}),
    ("DELETE", "/metrics/job/a", {"pusher": 202, "reader": 403, "admin": 202, "nobody": 403}),
    ("GET", "/metrics", {"pusher": 403, "reader": 200, "admin": 200, "nobody": 403}),
    ("GET", "/api/v1/metrics", {"pusher": 403, "reader": 200, "admin": 200, "nobody": 403}),
    ("PUT", "/api/v1/admin/wipe", {"pusher": 403, "reader": 403, "admin": 202, "nobody": 403}),
    ("DELETE", "/api/v1/extensions/family/x/job/a", {"pusher": 403, "reader": 403, "admin": 404, "nobody": 403}),
    ("PUT", "/-/quit", {"pusher": 403, "reader": 403, "admin": 403, "nobody": 403}),
]


@pytest.mark.parametrize(("method", "path", "expected"), MATRIX)
async def test_roles_matrix(tmp_path: Path, method: str, path: str, expected: dict[str, int]) -> None:
    app = make_app(web_config_file=config_file(tmp_path, ROLES), enable_admin_api=True)
    async with client(app) as c:
        for user, status in expected.items():
            response = await c.request(method, path, content=b"x 1\n" if method == "PUT" else b"", headers=basic(user))
            assert response.status_code == status, (user, response.text)
            if status == 403 and user != "admin":
                assert "lacks the" in response.text
            elif status == 403:
                assert response.text == "Lifecycle API is not enabled."


async def test_changed_password_takes_effect_without_restart(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    app = make_app(web_config_file=path)
    async with client(app) as c:
        assert (await c.get("/metrics", headers=basic("reader"))).status_code == 200
        new_hash = bcrypt.hashpw(b"new", bcrypt.gensalt(rounds=4)).decode()
        Path(path).write_text(f"basic_auth_users:\n  reader: '{new_hash}'\n")
        import os

        os.utime(path, (1, 1))
        assert (await c.get("/metrics", headers=basic("reader"))).status_code == 401
        assert (await c.get("/metrics", headers=basic("reader", "new"))).status_code == 200


async def test_security_headers_are_added(tmp_path: Path) -> None:
    path = tmp_path / "web.yml"
    path.write_text("http_server_config:\n  headers:\n    X-Frame-Options: deny\n")
    app = make_app(web_config_file=str(path))
    async with client(app) as c:
        assert (await c.get("/metrics")).headers["x-frame-options"] == "deny"
