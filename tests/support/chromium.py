"""A real headless Chromium (Debian `chromium`) driven over the DevTools protocol, for `pgwtui web` tests and screenshots.

The protocol is spoken over aiohttp's WebSocket client (aiohttp comes with textual-serve): no
browser download, no driver binary. Each browser gets a fresh profile in a temporary directory.
Basic auth is answered the way a user answers the browser's prompt (`Fetch.authRequired`), and a
script added before the page loads keeps what the terminal's WebSocket receives, so a test can
read what the page is drawing (xterm.js paints on a canvas, which has no text to query).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import aiohttp

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
)
RECORD_TERMINAL = """
(() => {
  const Native = window.WebSocket;
  window.__terminal = "";
  window.__sockets = [];
  const decoder = new TextDecoder();
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      window.__sockets.push(this);
      this.addEventListener("message", (event) => {
        if (typeof event.data !== "string") {
          window.__terminal += decoder.decode(new Uint8Array(event.data), {stream: true});
        }
      });
    }
  };
})();
"""
_ESCAPES = re.compile(
    r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78MDEc]"
)
DEADLINE = 30.0


def chromium_binary() -> str | None:
    """The Debian chromium, if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def plain(terminal: str) -> str:
    """What a terminal stream says, without its escape sequences (enough to find the words it drew)."""
    return _ESCAPES.sub(" ", terminal)


class Chromium:
    """One headless Chromium process with a fresh profile; `stop()` ends it and removes the profile."""

    def __init__(self, binary: str, *, size: tuple[int, int] = (1400, 860)) -> None:
        self._profile = tempfile.mkdtemp(prefix="pgwtui-chromium-")
        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self._profile}", f"--window-size={size[0]},{size[1]}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            # Its own process group: the renderer, GPU and crashpad children are ended with it.
            start_new_session=True,
        )
        self.endpoint = self._devtools_endpoint()

    def _devtools_endpoint(self) -> str:
        assert self.proc.stderr is not None
        deadline = time.monotonic() + DEADLINE
        seen = []
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line and self.proc.poll() is not None:
                break
            seen.append(line)
            found = re.search(r"DevTools listening on (ws://\S+)", line)
            if found:
                return found.group(1)
        self.stop()
        raise RuntimeError("chromium did not start its DevTools endpoint:\n" + "".join(seen[-20:]))

    @property
    def http(self) -> str:
        """The DevTools HTTP endpoint (`/json/…`)."""
        return "http://" + self.endpoint.removeprefix("ws://").split("/", 1)[0]

    async def new_page(self) -> Page:
        """A new tab, connected."""
        async with aiohttp.ClientSession() as session, session.put(f"{self.http}/json/new?about:blank") as response:
            target = await response.json()
        page = Page(target["webSocketDebuggerUrl"])
        await page.connect()
        return page

    def stop(self) -> None:
        """End the browser, remove its profile."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # Children may outlive the browser for a moment and keep writing into the profile: end the
        # whole group, then remove the profile, again if a straggler's file appeared meanwhile.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        for attempt in range(50):
            try:
                shutil.rmtree(self._profile)
                break
            except FileNotFoundError:
                break
            except OSError:
                if attempt == 49:
                    raise
                time.sleep(0.1)


class Page:
    """One tab over the DevTools protocol: commands, their answers, and the events it sent."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.events: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._answers: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._credentials: tuple[str, str] | None = None
        self._answering = False
        self._pending: set[asyncio.Task[object]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self._session = aiohttp.ClientSession()
        self._socket = await self._session.ws_connect(self.url, max_msg_size=0)
        self._reader = asyncio.create_task(self._read())
        await self.send("Page.enable")
        await self.send("Network.enable")
        await self.send("Page.addScriptToEvaluateOnNewDocument", source=RECORD_TERMINAL)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self._socket is not None:
            await self._socket.close()
        if self._session is not None:
            await self._session.close()

    async def _read(self) -> None:
        assert self._socket is not None
        async for message in self._socket:
            data = json.loads(message.data)
            if "id" in data:
                future = self._answers.pop(data["id"], None)
                if future is not None and not future.done():
                    future.set_result(data)
                continue
            self.events.append(data)
            if data.get("method") == "Fetch.authRequired" and self._answering:
                if self._credentials is None:
                    challenge = {"response": "CancelAuth"}
                else:
                    user, password = self._credentials
                    challenge = {"response": "ProvideCredentials", "username": user, "password": password}
                self._later(
                    self.send(
                        "Fetch.continueWithAuth", requestId=data["params"]["requestId"], authChallengeResponse=challenge
                    )
                )
            elif data.get("method") == "Fetch.requestPaused":
                self._later(self.send("Fetch.continueRequest", requestId=data["params"]["requestId"]))

    def _later(self, command: Coroutine[Any, Any, object]) -> None:
        """Answer the browser without blocking the reader (which must read that answer); the task is kept until done."""
        task = asyncio.create_task(command)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """One command; its result (a protocol error fails the test)."""
        assert self._socket is not None
        ident = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._answers[ident] = future
        await self._socket.send_str(json.dumps({"id": ident, "method": method, "params": params}))
        answer = await asyncio.wait_for(future, DEADLINE)
        if "error" in answer:
            raise AssertionError(f"{method}: {answer['error']}")
        return dict(answer.get("result", {}))

    async def answer_logins_with(self, credentials: tuple[str, str] | None) -> None:
        """From now on, answer the browser's basic-auth prompt as a user would: with these credentials, or Cancel."""
        self._credentials = credentials
        self._answering = True
        await self.send("Fetch.enable", handleAuthRequests=True, patterns=[{"urlPattern": "*"}])

    async def navigate(self, url: str) -> int:
        """Load a page; the HTTP status of the document."""
        self.events.clear()
        await self.send("Page.navigate", url=url)
        await self.until(lambda: self._event("Page.loadEventFired"), "the page loaded")
        statuses = [
            e["params"]["response"]["status"]
            for e in self.events
            if e.get("method") == "Network.responseReceived" and e["params"].get("type") == "Document"
        ]
        assert statuses, "no document response"
        return int(statuses[-1])

    def _event(self, method: str) -> bool:
        return any(e.get("method") == method for e in self.events)

    async def evaluate(self, expression: str) -> Any:
        """A JavaScript expression's value."""
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")

    async def terminal(self) -> str:
        """What the app drew so far, as plain text."""
        return plain(str(await self.evaluate("window.__terminal || ''")))

    async def until(self, predicate: Callable[[], object], what: str, timeout: float = DEADLINE) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            await asyncio.sleep(0.1)

    async def until_drawn(self, text: str, timeout: float = DEADLINE) -> str:
        """Wait until the terminal has drawn `text`; what it drew."""
        deadline = time.monotonic() + timeout
        while True:
            drawn = await self.terminal()
            if text in drawn:
                return drawn
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {text!r} on the page; drawn:\n{drawn[-3000:]}"
                )
            await asyncio.sleep(0.2)

    async def press(self, *keys: str) -> None:
        """Type keys into the terminal: single characters, or `Enter`, `Escape`, `ArrowDown`."""
        await self.evaluate("document.querySelector('.xterm-helper-textarea').focus()")
        codes = {"Enter": (13, "\r"), "Escape": (27, "\x1b"), "ArrowDown": (40, ""), "ArrowUp": (38, "")}
        for key in keys:
            code, text = codes[key] if key in codes else (ord(key.upper()), key)
            event = {"key": key, "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code}
            await self.send("Input.dispatchKeyEvent", type="keyDown", text=text, **event)
            await self.send("Input.dispatchKeyEvent", type="keyUp", **event)

    async def screenshot(self, path: Path) -> Path:
        """Save what the tab shows as a PNG."""
        shot = await self.send("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))
        return path
