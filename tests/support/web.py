"""`pgwtui web` as a real process for tests and screenshots, and the browser flow both run: load, see the groups, open one."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import bcrypt
import httpx
import yaml

from tests.support.chromium import Page
from tests.support.servers import REPO, free_port

USER, PASSWORD = "oncall", "pager-secret"


def web_config(directory: Path, users: dict[str, str] | None = None, **extra: Any) -> Path:
    """A `--web.config.file` (the gateway's format) with bcrypt users, and any other top-level keys given."""
    users = users or {USER: PASSWORD}
    hashed = {name: bcrypt.hashpw(secret.encode(), bcrypt.gensalt(rounds=4)).decode() for name, secret in users.items()}
    path = directory / "web.yml"
    path.write_text(yaml.safe_dump({"basic_auth_users": hashed, **extra}))
    return path


class WebProcess:
    """`pgwtui web --host 127.0.0.1 --port P ARGS…`, until `stop()`; its output in a temporary file."""

    def __init__(
        self,
        args: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        scheme: str = "http",
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.port = free_port()
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self._log = tempfile.NamedTemporaryFile(prefix="pgwtui-web-", suffix=".log", delete=False)  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pgwtui", "web", "--host", "127.0.0.1", "--port", str(self.port), *args],
            cwd=REPO,
            env={**os.environ, **(env or {})},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the tabs' app processes are its children: stop() ends the whole group
        )
        try:
            self._wait_ready(verify)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, verify: ssl.SSLContext | bool) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(self.url, timeout=1, verify=verify)
                return
            except httpx.HTTPError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"pgwtui web did not start:\n{self.output()}") from None
                time.sleep(0.1)

    def output(self) -> str:
        return Path(self._log.name).read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)


async def open_a_group(page: Page, url: str, group: str, detail: str) -> str:
    """Load the page, wait for the groups table and `group` in it, open it (it is first: the worst status), see `detail`."""
    status = await page.navigate(url)
    assert status == 200, f"the page answered {status}"
    await page.until_drawn("GROUPING KEY")
    await page.until_drawn(group)
    await page.press("Enter")
    return await page.until_drawn(detail)
