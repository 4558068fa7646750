"""`pgw-bridge serve` as a process: systemd socket activation, logging formats, flag errors, graceful stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys

import httpx

from tests.support.servers import REPO, BridgeProcess, wait_ready


def test_systemd_socket_activation() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    fd = listener.fileno()

    def as_fd3() -> None:
        # close_fds would run after this and close fd 3 again, hence close_fds=False below.
        os.dup2(fd, 3)

    env = {**os.environ, "LISTEN_FDS": "1"}
    env.pop("LISTEN_PID", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bridge", "serve", "--web.systemd-socket", "--web.listen-address=127.0.0.1:1"],
        cwd=REPO,
        env=env,
        close_fds=False,
        preexec_fn=as_fd3,  # noqa: PLW1509 (it only calls dup2)
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        listener.close()
        wait_ready(f"http://127.0.0.1:{port}/-/ready", proc=proc)
        assert httpx.put(f"http://127.0.0.1:{port}/metrics/job/a", content=b"x 1\n").status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
        assert proc.stderr is not None
        proc.stderr.close()


def test_json_logs_and_sigterm_exit_zero() -> None:
    process = BridgeProcess(["--log.format=json", "--log.level=debug"])
    httpx.put(process.url + "/metrics/job/a", content=b"x 1 5\n")
    assert process.stop(signal.SIGTERM) == 0
    lines = [json.loads(line) for line in process.logs().splitlines() if line.startswith("{")]
    assert {"ts", "caller", "level", "msg"} <= set(lines[0])
    assert any(line["msg"] == "pushed metrics are invalid or inconsistent with existing metrics" for line in lines)
    assert any(line["msg"] == "HTTP server stopped" for line in lines)


def test_bad_flags_fail_with_a_message_and_status_2() -> None:
    for args, message in (
        (["--web.listen-address=nope"], "invalid --web.listen-address"),
        (["--log.level=loud"], "invalid choice"),
        (["--push.group-ttl=forever"], "invalid duration"),
        (["--web.config.file=/does/not/exist.yml"], "--web.config.file"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "bridge", "serve", *args],
            check=False,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr
        assert "Traceback" not in result.stderr


def test_quit_stops_the_process_gracefully() -> None:
    process = BridgeProcess(["--web.enable-lifecycle"])
    response = httpx.post(process.url + "/-/quit")
    assert response.text == "Requesting termination... Goodbye!"
    assert process.proc.wait(20) == 0
    process.stop()


def test_version_and_help_are_printed_on_stdout() -> None:
    for argv, lines in ((["--version"], 6), (["serve", "--version"], 6), (["serve", "--help"], None)):
        result = subprocess.run(
            [sys.executable, "-m", "bridge", *argv], check=False, cwd=REPO, capture_output=True, text=True, timeout=30
        )
        assert (result.returncode, result.stderr) == (0, ""), argv
        if lines is not None:
            assert len(result.stdout.splitlines()) == lines
            assert result.stdout.splitlines()[-1].split() == ["tags:", "unknown"]
        else:
            assert "--web.listen-address" in result.stdout


def test_a_request_head_past_go_s_limit_is_a_431_and_a_1_mb_url_is_served() -> None:
    process = BridgeProcess()
    try:
        port = process.port
        head = b"GET /-/ready HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * ((1 << 20) + 4096) + b"\r\n\r\n"
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(head)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
        assert b"\r\nConnection: close\r\n" in answer
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                b"DELETE /metrics/job/" + b"j" * 1_000_000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 202 Accepted\r\n")
        # The start-up lines are in slog's field order, as Go 1.11 writes them.
        first = process.logs().splitlines()[0]
        assert [f.split("=")[0] for f in first.split()[:4]] == ["ts", "level", "caller", "msg"]
    finally:
        process.stop()
